package io.karavel.shell.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.karavel.api.client.ManifestApplier.Outcome;
import io.karavel.api.client.ManifestApplier.Result;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lines of apply and rollout-status, from results and Deployment states. */
class OutcomesTest {

    @Test
    void applyLinesAreKubectls() {
        assertThat(ApplyCommand.successLine(new Result(0, "apps/v1", "Deployment", "demo", "web", Outcome.CREATED, null, 0), null, false))
                .isEqualTo("deployment.apps/web created");
        assertThat(ApplyCommand.successLine(new Result(1, "v1", "ConfigMap", "demo", "c", Outcome.UNCHANGED, null, 0), null, true))
                .isEqualTo("configmap/c unchanged (server dry run)");
        assertThat(ApplyCommand.failureLine(new Result(0, "v1", "ConfigMap", "nope", "c", Outcome.FAILED,
                "namespaces \"nope\" not found", 404), "app.yaml"))
                .isEqualTo("Error from server (NotFound): error when applying \"app.yaml\": namespaces \"nope\" not found");
        assertThat(ApplyCommand.failureLine(new Result(0, null, null, null, null, Outcome.FAILED,
                "error parsing YAML at line 3: mapping values are not allowed here", 400), "bad.yaml"))
                .isEqualTo("error: bad.yaml: error parsing YAML at line 3: mapping values are not allowed here");
    }

    private static Deployment deployment(long generation, long observed, int replicas, int updated, int total, int available) {
        return new DeploymentBuilder().withMetadata(new ObjectMetaBuilder().withName("web").withGeneration(generation).build())
                .withNewSpec().withReplicas(replicas).endSpec()
                .withStatus(new DeploymentStatusBuilder().withObservedGeneration(observed).withUpdatedReplicas(updated)
                        .withReplicas(total).withAvailableReplicas(available).build())
                .build();
    }

    @Test
    void rolloutStatusFollowsKubectlsViewer() throws Exception {
        assertThat(RolloutStatusCommand.status(deployment(2, 1, 3, 0, 0, 0)).message())
                .isEqualTo("Waiting for deployment spec update to be observed...");
        assertThat(RolloutStatusCommand.status(deployment(2, 2, 3, 1, 3, 2)).message())
                .isEqualTo("Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...");
        assertThat(RolloutStatusCommand.status(deployment(2, 2, 3, 3, 4, 3)).message())
                .isEqualTo("Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...");
        assertThat(RolloutStatusCommand.status(deployment(2, 2, 3, 3, 3, 2)).message())
                .isEqualTo("Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...");
        RolloutStatusCommand.Status done = RolloutStatusCommand.status(deployment(2, 2, 3, 3, 3, 3));
        assertThat(done.done()).isTrue();
        assertThat(done.message()).isEqualTo("deployment \"web\" successfully rolled out");

        Deployment stuck = deployment(2, 2, 3, 1, 3, 2);
        stuck.getStatus().getConditions().add(new DeploymentConditionBuilder().withType("Progressing")
                .withReason("ProgressDeadlineExceeded").withStatus("False").build());
        assertThatThrownBy(() -> RolloutStatusCommand.status(stuck)).hasMessage("error: deployment \"web\" exceeded its progress deadline");
    }

    @Test
    void timeoutsParseLikeGoDurations() throws Exception {
        assertThat(RolloutStatusCommand.duration("90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(RolloutStatusCommand.duration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(RolloutStatusCommand.duration("0s")).isZero();
        assertThatThrownBy(() -> RolloutStatusCommand.duration("soon")).hasMessageContaining("invalid duration");
    }
}
