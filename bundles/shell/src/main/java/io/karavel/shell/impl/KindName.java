package io.karavel.shell.impl;

/**
 * The kind and name a command was given, read as kubectl does: {@code KIND NAME}, or
 * {@code KIND/NAME} in the first argument when no name follows.
 *
 * @param kind the kind as typed (plural, singular or short name)
 * @param name the object name, or null when none was given
 */
record KindName(String kind, String name) {

    static KindName of(String kind, String name) {
        int slash = kind.indexOf('/');
        if (slash > 0 && name == null) {
            return new KindName(kind.substring(0, slash), kind.substring(slash + 1));
        }
        return new KindName(kind, name);
    }
}
