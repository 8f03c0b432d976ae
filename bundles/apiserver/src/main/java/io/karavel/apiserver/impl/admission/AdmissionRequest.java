package io.karavel.apiserver.impl.admission;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.apiserver.impl.auth.UserInfo;
import io.karavel.apiserver.impl.http.RequestInfo;
import io.karavel.apiserver.impl.registry.ResourceType;

/**
 * What an admission hook sees.
 *
 * @param operation CREATE, UPDATE or DELETE
 * @param type the resource type
 * @param request the parsed request
 * @param user who is asking
 * @param object the object to be stored (mutable); for DELETE the object being deleted
 * @param oldObject the stored object for UPDATE and DELETE, null for CREATE
 */
public record AdmissionRequest(
        Operation operation,
        ResourceType type,
        RequestInfo request,
        UserInfo user,
        HasMetadata object,
        HasMetadata oldObject) {

    /** The write being admitted. */
    public enum Operation {
        CREATE,
        UPDATE,
        DELETE
    }
}
