package io.karavel.apiserver.impl.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.apiserver.impl.patch.KubernetesPatchMeta;
import io.karavel.apiserver.impl.patch.StrategicMergePatch;
import io.karavel.apiserver.impl.rest.Json;
import org.junit.jupiter.api.Test;

/** The three-way patch of client-side apply, checked by applying it with the server's strategic merge. */
class ThreeWayPatchTest {
    private final ThreeWayPatch strategic = new ThreeWayPatch(KubernetesPatchMeta.INSTANCE);
    private final StrategicMergePatch merge = new StrategicMergePatch(KubernetesPatchMeta.INSTANCE);

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(text.replace('\'', '"'));
    }

    @Test
    void anUnchangedConfigurationGivesAnEmptyPatchWhateverTheServerAdded() throws Exception {
        ObjectNode config = json("{'spec':{'replicas':2,'template':{'spec':{'containers':[{'name':'web','image':'nginx',"
                + "'ports':[{'containerPort':80}]}]}}}}");
        ObjectNode live = json("{'metadata':{'uid':'u1','resourceVersion':'7'},'spec':{'replicas':2,'revisionHistoryLimit':10,"
                + "'template':{'spec':{'containers':[{'name':'web','image':'nginx','imagePullPolicy':'IfNotPresent',"
                + "'ports':[{'containerPort':80,'protocol':'TCP'}]}],'restartPolicy':'Always'}}},'status':{'replicas':2}}");

        assertThat(strategic.diff(config, config, live)).isEmpty();
    }

    @Test
    void removesWhatTheLastConfigurationSetAndTheNewOneDropsButKeepsOtherWritersFields() throws Exception {
        ObjectNode last = json("{'metadata':{'labels':{'app':'web','tier':'front'}},'data':{'a':'1','b':'2'}}");
        ObjectNode next = json("{'metadata':{'labels':{'app':'web'}},'data':{'a':'10'}}");
        ObjectNode live = json("{'metadata':{'labels':{'app':'web','tier':'front','owner':'ops'}},'data':{'a':'1','b':'2'}}");

        ObjectNode patch = strategic.diff(last, next, live);

        assertThat(patch).isEqualTo(json("{'metadata':{'labels':{'tier':null}},'data':{'a':'10','b':null}}"));
        assertThat(merge.apply(live, patch))
                .isEqualTo(json("{'metadata':{'labels':{'app':'web','owner':'ops'}},'data':{'a':'10'}}"));
    }

    @Test
    void keyedListsPatchItemByItemAndDeleteDroppedItems() throws Exception {
        ObjectNode last = json("{'spec':{'containers':[{'name':'web','image':'nginx:1','env':[{'name':'A','value':'1'},"
                + "{'name':'B','value':'2'}]},{'name':'sidecar','image':'envoy'}]}}");
        ObjectNode next = json("{'spec':{'containers':[{'name':'web','image':'nginx:2','env':[{'name':'A','value':'1'}]}]}}");
        ObjectNode live = json("{'spec':{'containers':[{'name':'web','image':'nginx:1','imagePullPolicy':'Always',"
                + "'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},{'name':'sidecar','image':'envoy'},"
                + "{'name':'injected','image':'proxy'}]}}");

        ObjectNode patched = merge.apply(live, strategic.diff(last, next, live));

        // the injected container (not ours) stays; the sidecar we dropped goes; defaults stay
        assertThat(patched).isEqualTo(json("{'spec':{'containers':[{'name':'web','image':'nginx:2','imagePullPolicy':'Always',"
                + "'env':[{'name':'A','value':'1'}]},{'name':'injected','image':'proxy'}]}}"));
    }

    @Test
    void atomicListsAreReplacedOnlyWhenTheConfigurationChanged() throws Exception {
        ObjectNode last = json("{'spec':{'template':{'spec':{'containers':[{'name':'c','args':['a','b']}]}}}}");
        ObjectNode live = json("{'spec':{'template':{'spec':{'containers':[{'name':'c','args':['a','b']}]}}}}");
        assertThat(strategic.diff(last, last, live)).isEmpty();

        ObjectNode next = json("{'spec':{'template':{'spec':{'containers':[{'name':'c','args':['a']}]}}}}");
        assertThat(merge.apply(live, strategic.diff(last, next, live))).isEqualTo(next);
    }

    @Test
    void finalizersMergeAsASet() throws Exception {
        ObjectNode last = json("{'metadata':{'finalizers':['a/x','a/y']}}");
        ObjectNode next = json("{'metadata':{'finalizers':['a/x','a/z']}}");
        ObjectNode live = json("{'metadata':{'finalizers':['a/x','a/y','other/w']}}");

        ObjectNode patched = merge.apply(live, strategic.diff(last, next, live));

        assertThat(patched).isEqualTo(json("{'metadata':{'finalizers':['a/x','other/w','a/z']}}"));
    }

    @Test
    void withoutALastAppliedConfigurationNothingIsDeleted() throws Exception {
        ObjectNode next = json("{'data':{'a':'2'}}");
        ObjectNode live = json("{'data':{'a':'1','b':'1'}}");

        assertThat(strategic.diff(null, next, live)).isEqualTo(json("{'data':{'a':'2'}}"));
    }

    @Test
    void mergePatchesReplaceListsWhole() throws Exception {
        ThreeWayPatch mergeOnly = new ThreeWayPatch(ThreeWayPatch.ATOMIC_LISTS);
        ObjectNode last = json("{'spec':{'tags':['a','b'],'color':'red','size':1}}");
        ObjectNode next = json("{'spec':{'tags':['a'],'color':'red'}}");
        ObjectNode live = json("{'spec':{'tags':['a','b'],'color':'red','size':1,'defaulted':true}}");

        assertThat(mergeOnly.diff(last, next, live)).isEqualTo(json("{'spec':{'tags':['a'],'size':null}}"));
    }

    @Test
    void numbersAndTheirTextAreTheSameValue() throws Exception {
        ObjectNode next = json("{'spec':{'cpu':1,'replicas':2}}");
        ObjectNode live = json("{'spec':{'cpu':'1','replicas':2.0}}");

        assertThat(strategic.diff(next, next, live)).isEmpty();
    }
}
