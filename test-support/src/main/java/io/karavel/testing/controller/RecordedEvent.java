package io.karavel.testing.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * An event a {@link RecordingEventRecorder} received.
 *
 * @param component who recorded it (the controller's name, or e.g. {@code default-scheduler})
 * @param regarding the object the event is about, as it was passed
 */
public record RecordedEvent(String component, HasMetadata regarding, String type, String reason, String message) {

    /** {@code Kind namespace/name} of the object the event is about. */
    public String regardingKey() {
        String ns = regarding.getMetadata().getNamespace();
        return regarding.getKind() + " " + (ns == null ? "" : ns + "/") + regarding.getMetadata().getName();
    }
}
