package org.wsk4j;

/**
 * {@code WSK_PROVIDER_CHARACTERISTICS}: the range of WSK versions the provider supports, filled by
 * {@code WskQueryProviderCharacteristics}.
 *
 * <p>Thread safety: filled before the query returns; read it afterwards.
 */
public final class WskProviderCharacteristics {

    private int highestVersion;
    private int lowestVersion;

    /** Creates an empty structure to pass to the query. */
    public WskProviderCharacteristics() {
    }

    /**
     * {@code HighestVersion}.
     *
     * @return the highest supported version, for example 0x0100
     */
    public int highestVersion() {
        return highestVersion;
    }

    /**
     * {@code LowestVersion}.
     *
     * @return the lowest supported version
     */
    public int lowestVersion() {
        return lowestVersion;
    }

    void fill(int highest, int lowest) {
        this.highestVersion = highest;
        this.lowestVersion = lowest;
    }

    @Override
    public String toString() {
        return String.format("WSK_PROVIDER_CHARACTERISTICS[0x%04X..0x%04X]", lowestVersion, highestVersion);
    }
}
