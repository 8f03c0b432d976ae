package io.karavel.apiserver.impl.admission;

import java.util.List;

/**
 * The ordered admission hooks: RuntimeClass for now; other admission plugins (quotas, webhooks)
 * are added by later issues. Copy-on-write so that a request never sees a half-updated chain.
 */
public final class AdmissionChain {
    private volatile List<AdmissionHook> hooks;

    public AdmissionChain(List<AdmissionHook> hooks) {
        this.hooks = List.copyOf(hooks);
    }

    public static AdmissionChain empty() {
        return new AdmissionChain(List.of());
    }

    public void setHooks(List<AdmissionHook> hooks) {
        this.hooks = List.copyOf(hooks);
    }

    public void admit(AdmissionRequest request) {
        for (AdmissionHook hook : hooks) {
            hook.admit(request);
        }
    }
}
