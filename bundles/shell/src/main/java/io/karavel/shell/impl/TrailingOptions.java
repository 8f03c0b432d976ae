package io.karavel.shell.impl;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.support.CommandException;

/**
 * Options after the arguments, as kubectl users type them ({@code get pods -n demo -o wide}).
 * Karaf's parser stops reading options at the first argument, so the commands collect every
 * word after their first argument and this class sets the action's {@link Option} fields from
 * them, by the same names and aliases; the other words are the positional arguments.
 */
final class TrailingOptions {

    private TrailingOptions() {}

    /**
     * Sets the options found in {@code words} on {@code action}; returns the remaining words in
     * order. {@code --name=value} and {@code -n value} are both accepted.
     */
    static List<String> bind(Action action, List<String> words) throws CommandException {
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (!word.startsWith("-") || word.equals("-")) {
                positional.add(word);
                continue;
            }
            String name = word;
            String value = null;
            int equals = word.indexOf('=');
            if (equals > 0) {
                name = word.substring(0, equals);
                value = word.substring(equals + 1);
            }
            Field field = field(action.getClass(), name);
            if (field == null) {
                throw Cluster.fail("error: unknown flag: " + name);
            }
            Class<?> type = field.getType();
            if (type == boolean.class || type == Boolean.class) {
                set(action, field, value == null || Boolean.parseBoolean(value));
                continue;
            }
            if (value == null) {
                if (i + 1 >= words.size()) {
                    throw Cluster.fail("error: flag needs an argument: " + name);
                }
                value = words.get(++i);
            }
            set(action, field, convert(name, value, type));
        }
        return positional;
    }

    /**
     * The positional words of a command whose arguments end with a catch-all: {@code first}
     * (the argument Karaf filled before the catch-all, may be null) and {@code more}, with the
     * options among them applied.
     */
    static List<String> positional(Action action, String first, List<String> more) throws CommandException {
        List<String> words = new ArrayList<>();
        if (first != null) {
            words.add(first);
        }
        if (more != null) {
            words.addAll(more);
        }
        return bind(action, words);
    }

    /** At most one positional word: the first, or null. */
    static String single(List<String> positional, String what) throws CommandException {
        if (positional.size() > 1) {
            throw Cluster.fail("error: expected one " + what + ", got: " + String.join(" ", positional));
        }
        return positional.isEmpty() ? null : positional.get(0);
    }

    private static Field field(Class<?> type, String name) {
        for (Field field : type.getDeclaredFields()) {
            Option option = field.getAnnotation(Option.class);
            if (option == null) {
                continue;
            }
            if (option.name().equals(name)) {
                return field;
            }
            for (String alias : option.aliases()) {
                if (alias.equals(name)) {
                    return field;
                }
            }
        }
        return null;
    }

    private static Object convert(String name, String value, Class<?> type) throws CommandException {
        try {
            if (type == int.class || type == Integer.class) {
                return Integer.valueOf(value);
            }
            if (type == long.class || type == Long.class) {
                return Long.valueOf(value);
            }
        } catch (NumberFormatException e) {
            throw Cluster.fail("error: invalid argument \"" + value + "\" for \"" + name + "\" flag: not a number");
        }
        return value;
    }

    private static void set(Action action, Field field, Object value) {
        try {
            field.setAccessible(true);
            field.set(action, value);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e); // our own fields: cannot happen
        }
    }
}
