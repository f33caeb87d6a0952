package org.wsk4j.nt;

/**
 * {@code POBJECT_TYPE}: the type an {@link Ob#referenceObjectByHandle} caller expects, such as
 * {@link Ps#PsThreadType}; null accepts any type, as in C.
 */
public final class ObjectType {

    private final String name;

    ObjectType(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }
}
