package io.karavel.examples.website;

import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The {@code examples.karavel.io/v1 Website} custom resource: a static page served by a few
 * busybox httpd replicas behind a Service.
 *
 * <p>A plain model class (not fabric8's {@code CustomResource}, which lives in the client jar that
 * Karavel does not ship): the group, version, kind and plural annotations are what
 * {@link io.karavel.api.client.ObjectClient}'s typed methods read. {@code JsonDeserializer.None}
 * undoes the fabric8 {@code KubernetesResource} default, which would pick a class by kind from its
 * own registry and fall back to {@code GenericKubernetesResource}.
 */
@JsonDeserialize(using = JsonDeserializer.None.class)
@Group(Website.GROUP)
@Version(Website.VERSION)
@Kind(Website.KIND)
@Plural(Website.PLURAL)
@Singular("website")
public class Website implements HasMetadata, Namespaced {
    private static final long serialVersionUID = 1L;

    public static final String GROUP = "examples.karavel.io";
    public static final String VERSION = "v1";
    public static final String KIND = "Website";
    public static final String PLURAL = "websites";
    public static final String API_VERSION = GROUP + "/" + VERSION;

    private String apiVersion = API_VERSION;
    private String kind = KIND;
    private ObjectMeta metadata = new ObjectMeta();
    private WebsiteSpec spec = new WebsiteSpec();
    private WebsiteStatus status;

    public Website() {}

    /** A new Website to create: its name, namespace and desired state. */
    public Website(String namespace, String name, WebsiteSpec spec) {
        metadata.setNamespace(namespace);
        metadata.setName(name);
        this.spec = spec;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    public WebsiteSpec getSpec() {
        return spec;
    }

    public void setSpec(WebsiteSpec spec) {
        this.spec = spec;
    }

    public WebsiteStatus getStatus() {
        return status;
    }

    public void setStatus(WebsiteStatus status) {
        this.status = status;
    }
}
