package io.karavel.testing.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.api.controller.EventRecorder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** An {@link EventRecorder} that keeps the events in memory for assertions instead of writing Events. */
public final class RecordingEventRecorder implements EventRecorder {
    private final String component;
    private final List<RecordedEvent> events = new CopyOnWriteArrayList<>();
    private final Consumer<RecordedEvent> sink;

    public RecordingEventRecorder(String component) {
        this(component, e -> {});
    }

    /** @param sink also receives every event (the cluster's list of all events) */
    RecordingEventRecorder(String component, Consumer<RecordedEvent> sink) {
        this.component = component;
        this.sink = sink;
    }

    @Override
    public void event(HasMetadata regarding, String type, String reason, String message) {
        RecordedEvent event = new RecordedEvent(component, regarding, type, reason, message);
        events.add(event);
        sink.accept(event);
    }

    public String component() {
        return component;
    }

    /** Events recorded so far, oldest first. */
    public List<RecordedEvent> events() {
        return List.copyOf(events);
    }

    /** Reasons of the events recorded so far, oldest first: handy for {@code containsExactly}. */
    public List<String> reasons() {
        return events.stream().map(RecordedEvent::reason).toList();
    }

    public void clear() {
        events.clear();
    }
}
