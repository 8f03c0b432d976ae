package io.karavel.api.controller;

/**
 * One controller as the runtime reports it.
 *
 * @param name the controller's name
 * @param bundle symbolic name of the bundle that registered it
 * @param state {@code waiting-for-leadership}, {@code syncing}, {@code running}, {@code stopping}
 * @param workers configured worker count
 * @param queueDepth keys waiting now (including those delayed for back-off)
 * @param reconciles reconciles finished since it started
 * @param errors reconciles that threw
 * @param lastError message of the last failure, null if none
 */
public record ControllerInfo(
        String name, String bundle, String state, int workers, int queueDepth, long reconciles, long errors, String lastError) {}
