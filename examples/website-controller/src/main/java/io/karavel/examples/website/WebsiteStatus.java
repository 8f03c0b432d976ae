package io.karavel.examples.website;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the controller last observed of a {@link Website}; written only by the controller. */
public class WebsiteStatus {
    private Long observedGeneration;
    private Integer readyReplicas;
    private String url;
    private List<Condition> conditions = new ArrayList<>();

    public WebsiteStatus() {}

    public WebsiteStatus(Long observedGeneration, Integer readyReplicas, String url, List<Condition> conditions) {
        this.observedGeneration = observedGeneration;
        this.readyReplicas = readyReplicas;
        this.url = url;
        this.conditions = new ArrayList<>(conditions);
    }

    /** The {@code metadata.generation} this status describes. */
    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    /** Ready pods of the Website's Deployment. */
    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }

    /** Where the page is served inside the cluster: {@code http://<svc>.<ns>.svc.cluster.local:<port>/}. */
    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    /** {@code Available}: True when every desired replica is ready. */
    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebsiteStatus s && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(readyReplicas, s.readyReplicas) && Objects.equals(url, s.url)
                && Objects.equals(conditions, s.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, readyReplicas, url, conditions);
    }
}
