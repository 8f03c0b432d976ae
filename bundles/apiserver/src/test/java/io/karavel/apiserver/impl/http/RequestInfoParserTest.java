package io.karavel.apiserver.impl.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestInfoParserTest {
    @Test
    void namespacedObject() {
        RequestInfo r = RequestInfoParser.parse("GET", "/apis/apps/v1/namespaces/demo/deployments/web", null);
        assertThat(r.resourceRequest()).isTrue();
        assertThat(r).extracting(RequestInfo::verb, RequestInfo::group, RequestInfo::version, RequestInfo::namespace,
                RequestInfo::resource, RequestInfo::name, RequestInfo::subresource)
                .containsExactly("get", "apps", "v1", "demo", "deployments", "web", null);
    }

    @Test
    void subresourceAndVerbs() {
        RequestInfo r = RequestInfoParser.parse("PATCH", "/apis/apps/v1/namespaces/demo/deployments/web/scale", null);
        assertThat(r.subresource()).isEqualTo("scale");
        assertThat(r.verb()).isEqualTo("patch");
        assertThat(RequestInfoParser.parse("DELETE", "/api/v1/namespaces/demo/pods", null).verb()).isEqualTo("deletecollection");
        assertThat(RequestInfoParser.parse("POST", "/api/v1/namespaces/demo/pods", null).verb()).isEqualTo("create");
        assertThat(RequestInfoParser.parse("PUT", "/api/v1/nodes/n1/status", null).subresource()).isEqualTo("status");
    }

    @Test
    void namespaceObjectItselfAndItsSubresources() {
        RequestInfo ns = RequestInfoParser.parse("GET", "/api/v1/namespaces/demo", null);
        assertThat(ns.resource()).isEqualTo("namespaces");
        assertThat(ns.name()).isEqualTo("demo");
        assertThat(ns.namespace()).isNull();
        RequestInfo status = RequestInfoParser.parse("PUT", "/api/v1/namespaces/demo/status", null);
        assertThat(status.resource()).isEqualTo("namespaces");
        assertThat(status.subresource()).isEqualTo("status");
        assertThat(RequestInfoParser.parse("GET", "/api/v1/namespaces", null).verb()).isEqualTo("list");
    }

    @Test
    void watchByParameterOrLegacyPrefix() {
        assertThat(RequestInfoParser.parse("GET", "/api/v1/pods", "true").verb()).isEqualTo("watch");
        assertThat(RequestInfoParser.parse("GET", "/api/v1/pods", "1").verb()).isEqualTo("watch");
        assertThat(RequestInfoParser.parse("GET", "/api/v1/pods", "false").verb()).isEqualTo("list");
        RequestInfo legacy = RequestInfoParser.parse("GET", "/api/v1/watch/namespaces/demo/pods/p", null);
        assertThat(legacy.verb()).isEqualTo("watch");
        assertThat(legacy.namespace()).isEqualTo("demo");
        assertThat(legacy.name()).isEqualTo("p");
    }

    @Test
    void nonResourcePaths() {
        assertThat(RequestInfoParser.parse("GET", "/api", null).resourceRequest()).isFalse();
        assertThat(RequestInfoParser.parse("GET", "/api/v1", null).resourceRequest()).isFalse();
        assertThat(RequestInfoParser.parse("GET", "/apis/apps/v1", null).resourceRequest()).isFalse();
        assertThat(RequestInfoParser.parse("GET", "/version", null).resourceRequest()).isFalse();
        assertThat(RequestInfoParser.parse("GET", "/api/v1/namespaces/a/pods/b/log/extra", null).resourceRequest()).isFalse();
    }
}
