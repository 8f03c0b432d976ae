package io.karavel.apiserver.impl.http;

import java.util.List;
import java.util.function.Supplier;

/**
 * The checks behind {@code /readyz}, rendered as Kubernetes renders them: {@code ok} when all
 * pass; with {@code ?verbose}, or when one fails, one {@code [+]name ok} or
 * {@code [-]name failed: reason} line per check and a last line {@code readyz check passed} or
 * {@code readyz check failed}. A failing check makes the answer 503. Unlike Kubernetes, failure
 * reasons are shown rather than withheld: they name no secret, and they say why a master is out
 * of rotation (no leader, catching up).
 */
public final class Readyz {

    /** One check's result; {@code detail} (optional when ok) is printed after it. */
    public record Result(boolean passed, String detail) {
        public static Result ok() {
            return new Result(true, null);
        }

        public static Result ok(String detail) {
            return new Result(true, detail);
        }

        public static Result failed(String reason) {
            return new Result(false, reason);
        }
    }

    /** A named check; {@code check} is called on every request and must not block for long. */
    public record Check(String name, Supplier<Result> check) {}

    /** What {@code /readyz} answers. */
    public record Answer(int code, String text) {}

    private final List<Check> checks;

    public Readyz(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    /** Whether every check passes now. */
    public boolean passes() {
        return checks.stream().allMatch(c -> run(c).passed());
    }

    public Answer answer(boolean verbose) {
        StringBuilder lines = new StringBuilder();
        boolean passed = true;
        for (Check c : checks) {
            Result r = run(c);
            passed &= r.passed();
            if (r.passed()) {
                lines.append("[+]").append(c.name()).append(" ok");
                if (r.detail() != null) {
                    lines.append(" (").append(r.detail()).append(')');
                }
            } else {
                lines.append("[-]").append(c.name()).append(" failed: ").append(r.detail());
            }
            lines.append('\n');
        }
        if (passed && !verbose) {
            return new Answer(200, "ok");
        }
        lines.append(passed ? "readyz check passed\n" : "readyz check failed\n");
        return new Answer(passed ? 200 : 503, lines.toString());
    }

    private static Result run(Check c) {
        try {
            return c.check().get();
        } catch (RuntimeException e) {
            return Result.failed("check threw " + e);
        }
    }
}
