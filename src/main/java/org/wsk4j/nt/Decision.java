package org.wsk4j.nt;

import java.util.List;
import java.util.Objects;

/**
 * One decision of a {@link Schedule}: at a choice point of kind {@code kind} at {@code site}, option {@code chosen}
 * of {@code options} was taken. Option 0 is the default (see {@link ChoiceKind}).
 *
 * @param kind    the kind of choice point
 * @param site    where it was made (a thread's name, a WSK function, a link), for people
 * @param options the labels of the options, at least two
 * @param chosen  the index of the option taken
 */
public record Decision(ChoiceKind kind, String site, List<String> options, int chosen) {

    /**
     * Validates and copies.
     *
     * @param kind    not null
     * @param site    not null
     * @param options not null, at least two
     * @param chosen  an index into {@code options}
     */
    public Decision {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(site, "site");
        options = List.copyOf(options);
        if (options.size() < 2 || chosen < 0 || chosen >= options.size()) {
            throw new IllegalArgumentException("option " + chosen + " of " + options);
        }
    }

    /**
     * Whether the default option (0) was taken.
     *
     * @return true for option 0
     */
    public boolean isDefault() {
        return chosen == 0;
    }

    /**
     * The label of the option taken.
     *
     * @return the label
     */
    public String chosenLabel() {
        return options.get(chosen);
    }

    /** Reads as {@code THREAD at poll by main: wsk4j-system-thread-1 (of main, wsk4j-system-thread-1)}. */
    @Override
    public String toString() {
        return kind + " at " + site + ": " + chosenLabel() + " (of " + String.join(", ", options) + ")";
    }
}
