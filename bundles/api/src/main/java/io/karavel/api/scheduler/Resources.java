package io.karavel.api.scheduler;

/**
 * Resource amounts as the scheduler counts them.
 *
 * @param milliCpu CPU in thousandths of a core
 * @param memoryBytes memory in bytes
 * @param pods pod count
 */
public record Resources(long milliCpu, long memoryBytes, long pods) {
    public static final Resources ZERO = new Resources(0, 0, 0);

    public Resources plus(Resources other) {
        return new Resources(milliCpu + other.milliCpu, memoryBytes + other.memoryBytes, pods + other.pods);
    }
}
