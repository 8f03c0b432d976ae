package io.karavel.examples.website;

import java.util.Objects;

/**
 * What a {@link Website} asks for. Nulls stand for the defaults, which the CRD's schema also
 * fills in on the API server.
 */
public class WebsiteSpec {
    /** Replicas when {@code spec.replicas} is not given. */
    public static final int DEFAULT_REPLICAS = 1;
    /** Port of the Service and of httpd when {@code spec.port} is not given. */
    public static final int DEFAULT_PORT = 8080;

    private Integer replicas;
    private String content;
    private Integer port;

    public WebsiteSpec() {}

    public WebsiteSpec(Integer replicas, String content, Integer port) {
        this.replicas = replicas;
        this.content = content;
        this.port = port;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    /** The page text, served as {@code index.html}. */
    public String getContent() {
        return content;
    }

    public void setContent(String content) {
        this.content = content;
    }

    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    int replicasOrDefault() {
        return replicas == null ? DEFAULT_REPLICAS : replicas;
    }

    int portOrDefault() {
        return port == null ? DEFAULT_PORT : port;
    }

    String contentOrEmpty() {
        return content == null ? "" : content;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebsiteSpec s && Objects.equals(replicas, s.replicas)
                && Objects.equals(content, s.content) && Objects.equals(port, s.port);
    }

    @Override
    public int hashCode() {
        return Objects.hash(replicas, content, port);
    }
}
