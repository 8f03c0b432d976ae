package io.karavel.controllers.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import org.junit.jupiter.api.Test;

class RolloutsTest {
    private static Deployment rolling(int replicas, IntOrString surge, IntOrString unavailable) {
        return new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().withReplicas(replicas).withNewStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxSurge(surge).withMaxUnavailable(unavailable).endRollingUpdate()
                .endStrategy().endSpec().build();
    }

    @Test
    void surgeRoundsUpUnavailableRoundsDownAndNeverBothZero() {
        Deployment d = rolling(10, new IntOrString("25%"), new IntOrString("25%"));
        assertThat(Rollouts.maxSurge(d)).isEqualTo(3);
        assertThat(Rollouts.maxUnavailable(d)).isEqualTo(2);

        Deployment zero = rolling(3, new IntOrString(0), new IntOrString("10%"));
        assertThat(Rollouts.maxSurge(zero)).isZero();
        assertThat(Rollouts.maxUnavailable(zero)).isEqualTo(1);

        Deployment capped = rolling(2, new IntOrString(1), new IntOrString(5));
        assertThat(Rollouts.maxUnavailable(capped)).isEqualTo(2);

        Deployment defaults = new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().withReplicas(4).endSpec().build();
        assertThat(Rollouts.maxSurge(defaults)).isEqualTo(1);
        assertThat(Rollouts.maxUnavailable(defaults)).isEqualTo(1);

        Deployment recreate = new DeploymentBuilder(defaults).editSpec().withNewStrategy().withType("Recreate")
                .endStrategy().endSpec().build();
        assertThat(Rollouts.maxSurge(recreate)).isZero();
        assertThat(Rollouts.maxUnavailable(recreate)).isZero();
    }

    @Test
    void aRollbackKeepsTheOldRevisionInTheHistory() {
        Deployment d = rolling(1, new IntOrString(1), new IntOrString(0));
        ReplicaSet rs = new ReplicaSetBuilder().withNewMetadata().withName("web-x")
                .addToAnnotations(Rollouts.REVISION, "2").addToAnnotations(Rollouts.REVISION_HISTORY, "1")
                .endMetadata().build();
        assertThat(Rollouts.setNewReplicaSetAnnotations(d, rs, 5, true)).isTrue();
        assertThat(rs.getMetadata().getAnnotations())
                .containsEntry(Rollouts.REVISION, "5")
                .containsEntry(Rollouts.REVISION_HISTORY, "1,2");
        // an already current revision is left alone
        assertThat(Rollouts.setNewReplicaSetAnnotations(d, rs, 5, true)).isFalse();
    }

    @Test
    void theTemplateHashIgnoresItsOwnLabelAndChangesWithTheTemplateOrCollisionCount() {
        PodTemplateSpec template = new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("nginx:1.26").endContainer().endSpec().build();
        String hash = PodTemplates.hash(template, null);
        assertThat(hash).matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}");
        assertThat(PodTemplates.hash(new PodTemplateSpecBuilder(template).build(), null)).isEqualTo(hash);

        PodTemplateSpec labelled = new PodTemplateSpecBuilder(template).editMetadata()
                .addToLabels(PodTemplates.HASH_LABEL, hash).endMetadata().build();
        assertThat(PodTemplates.hash(labelled, null)).isEqualTo(hash);
        assertThat(PodTemplates.equalIgnoreHash(template, labelled)).isTrue();

        PodTemplateSpec changed = new PodTemplateSpecBuilder(template).editSpec().editFirstContainer()
                .withImage("nginx:1.27").endContainer().endSpec().build();
        assertThat(PodTemplates.hash(changed, null)).isNotEqualTo(hash);
        assertThat(PodTemplates.equalIgnoreHash(template, changed)).isFalse();
        assertThat(PodTemplates.hash(template, 1)).isNotEqualTo(hash).isNotEqualTo(PodTemplates.hash(template, 2));
        assertThat(PodTemplates.safeEncode("0")).isEqualTo("4");
    }
}
