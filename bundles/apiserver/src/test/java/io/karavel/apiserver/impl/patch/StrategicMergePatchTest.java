package io.karavel.apiserver.impl.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class StrategicMergePatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StrategicMergePatch smp = new StrategicMergePatch(KubernetesPatchMeta.INSTANCE);

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
    }

    private JsonNode apply(String original, String patch) throws Exception {
        return smp.apply(json(original), json(patch));
    }

    private static final String DEPLOYMENT = "{'spec':{'template':{'spec':{'containers':["
            + "{'name':'web','image':'nginx:1','ports':[{'containerPort':80,'protocol':'TCP'}],"
            + "'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},"
            + "{'name':'side','image':'busybox','ports':[{'containerPort':9000}]}]}}}}";

    @Test
    void patchNamingOneContainerKeepsTheOther() throws Exception {
        JsonNode r = apply(DEPLOYMENT, "{'spec':{'template':{'spec':{'containers':[{'name':'web','image':'nginx:2'}]}}}}");
        JsonNode containers = r.at("/spec/template/spec/containers");
        assertThat(containers).hasSize(2);
        assertThat(containers.get(0).get("image").asText()).isEqualTo("nginx:2");
        assertThat(containers.get(0).at("/ports/0/containerPort").asInt()).isEqualTo(80);
        assertThat(containers.get(1).get("name").asText()).isEqualTo("side");
    }

    @Test
    void envMergesByNameAndPortsByContainerPort() throws Exception {
        JsonNode r = apply(DEPLOYMENT, "{'spec':{'template':{'spec':{'containers':[{'name':'web',"
                + "'env':[{'name':'B','value':'3'},{'name':'C','value':'4'}],'ports':[{'containerPort':443}]}]}}}}");
        JsonNode web = r.at("/spec/template/spec/containers/0");
        assertThat(web.get("env")).hasSize(3);
        assertThat(web.at("/env/1/value").asText()).isEqualTo("3");
        assertThat(web.at("/env/2/name").asText()).isEqualTo("C");
        assertThat(web.get("ports")).hasSize(2);
    }

    @Test
    void deleteDirectiveRemovesOneKeyedItem() throws Exception {
        JsonNode r = apply(DEPLOYMENT, "{'spec':{'template':{'spec':{'containers':[{'name':'side','$patch':'delete'}]}}}}");
        assertThat(r.at("/spec/template/spec/containers")).hasSize(1);
        assertThat(r.at("/spec/template/spec/containers/0/name").asText()).isEqualTo("web");
    }

    @Test
    void replaceDirectiveInAListReplacesTheList() throws Exception {
        JsonNode r = apply(DEPLOYMENT, "{'spec':{'template':{'spec':{'containers':[{'name':'only','image':'x'},{'$patch':'replace'}]}}}}");
        assertThat(r.at("/spec/template/spec/containers")).hasSize(1);
        assertThat(r.at("/spec/template/spec/containers/0/name").asText()).isEqualTo("only");
    }

    @Test
    void replaceDirectiveInAMapReplacesTheMap() throws Exception {
        JsonNode r = apply("{'metadata':{'labels':{'a':'1','b':'2'}}}", "{'metadata':{'labels':{'c':'3','$patch':'replace'}}}");
        assertThat(r.at("/metadata/labels").size()).isEqualTo(1);
        assertThat(r.at("/metadata/labels/c").asText()).isEqualTo("3");
    }

    @Test
    void deleteDirectiveInAMapDeletesIt() throws Exception {
        JsonNode r = apply("{'spec':{'strategy':{'type':'RollingUpdate'},'replicas':1}}", "{'spec':{'strategy':{'$patch':'delete'}}}");
        assertThat(r.at("/spec").has("strategy")).isFalse();
        assertThat(r.at("/spec/replicas").asInt()).isEqualTo(1);
    }

    @Test
    void nullDeletesAField() throws Exception {
        JsonNode r = apply("{'metadata':{'labels':{'a':'1','b':'2'}}}", "{'metadata':{'labels':{'a':null}}}");
        assertThat(r.at("/metadata/labels").size()).isEqualTo(1);
        assertThat(r.at("/metadata/labels/b").asText()).isEqualTo("2");
    }

    @Test
    void setElementOrderOrdersTheMergedList() throws Exception {
        JsonNode r = apply(DEPLOYMENT, "{'spec':{'template':{'spec':{"
                + "'$setElementOrder/containers':[{'name':'side'},{'name':'web'}],"
                + "'containers':[{'name':'web','image':'nginx:3'}]}}}}");
        JsonNode containers = r.at("/spec/template/spec/containers");
        assertThat(containers.get(0).get("name").asText()).isEqualTo("side");
        assertThat(containers.get(1).get("image").asText()).isEqualTo("nginx:3");
    }

    @Test
    void setElementOrderWithoutTheListStillReorders() throws Exception {
        JsonNode r = apply(DEPLOYMENT, "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'side'},{'name':'web'}]}}}}");
        assertThat(r.at("/spec/template/spec/containers/0/name").asText()).isEqualTo("side");
    }

    @Test
    void retainKeysClearsOtherKeys() throws Exception {
        JsonNode r = apply("{'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}}",
                "{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}}");
        assertThat(r.at("/spec/strategy").size()).isEqualTo(1);
        assertThat(r.at("/spec/strategy/type").asText()).isEqualTo("Recreate");
    }

    @Test
    void finalizersMergeAsASetAndDeleteFromPrimitiveList() throws Exception {
        JsonNode r = apply("{'metadata':{'finalizers':['a','b']}}", "{'metadata':{'finalizers':['b','c'],'$deleteFromPrimitiveList/finalizers':['a']}}");
        assertThat(r.at("/metadata/finalizers").toString()).isEqualTo("[\"b\",\"c\"]");
    }

    @Test
    void servicePortsMergeByPort() throws Exception {
        JsonNode r = apply("{'spec':{'ports':[{'name':'http','port':80},{'name':'admin','port':9000}]}}",
                "{'spec':{'ports':[{'port':80,'targetPort':8080}]}}");
        assertThat(r.at("/spec/ports")).hasSize(2);
        assertThat(r.at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
        assertThat(r.at("/spec/ports/1/name").asText()).isEqualTo("admin");
    }

    @Test
    void listsWithoutMergeKeyAreReplaced() throws Exception {
        JsonNode r = apply("{'spec':{'containers':[{'name':'a','args':['x','y']}]}}", "{'spec':{'containers':[{'name':'a','args':['z']}]}}");
        assertThat(r.at("/spec/containers/0/args").toString()).isEqualTo("[\"z\"]");
    }

    @Test
    void conditionsMergeByType() throws Exception {
        JsonNode r = apply("{'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'Scheduled','status':'True'}]}}",
                "{'status':{'conditions':[{'type':'Ready','status':'True'}]}}");
        assertThat(r.at("/status/conditions")).hasSize(2);
        assertThat(r.at("/status/conditions/0/status").asText()).isEqualTo("True");
    }

    @Test
    void newItemsLoseTheirDirectives() throws Exception {
        JsonNode r = apply("{'spec':{}}", "{'spec':{'volumes':[{'name':'v','emptyDir':{'$patch':'replace','medium':'Memory'}}]}}");
        assertThat(r.at("/spec/volumes/0/emptyDir").toString()).isEqualTo("{\"medium\":\"Memory\"}");
    }

    @Test
    void unknownDirectiveIsRejected() {
        assertThatThrownBy(() -> apply("{'a':{}}", "{'a':{'$patch':'explode'}}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mergePatchIsRfc7386() throws Exception {
        JsonNode r = JsonMergePatch.apply(json("{'a':{'b':1,'c':2},'l':[1,2]}"), json("{'a':{'b':null,'d':3},'l':[3]}"));
        assertThat(r.toString()).isEqualTo("{\"a\":{\"c\":2,\"d\":3},\"l\":[3]}");
    }
}
