package io.karavel.shell.impl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.karaf.shell.api.console.CommandLine;

/**
 * What a completer needs from the words typed so far: the positional arguments before the one
 * being completed (options and their values skipped) and the value of {@code -n}.
 */
final class CompletionLine {

    /** Options of the karavel commands that take a value (their value is not an argument). */
    private static final Set<String> WITH_VALUE = Set.of("-n", "--namespace", "-l", "--selector", "-o", "--output",
            "-c", "--container", "--tail", "--replicas", "--timeout", "--grace-period", "-f", "--filename");

    final List<String> arguments;
    final String namespace;

    private CompletionLine(List<String> arguments, String namespace) {
        this.arguments = arguments;
        this.namespace = namespace;
    }

    static CompletionLine of(CommandLine commandLine) {
        String[] words = commandLine.getArguments();
        int upTo = Math.min(commandLine.getCursorArgumentIndex(), words.length);
        return of(Arrays.asList(words).subList(0, Math.max(upTo, 0)));
    }

    /** @param words the command name, then the words before the cursor's */
    static CompletionLine of(List<String> words) {
        List<String> arguments = new ArrayList<>();
        String namespace = null;
        for (int i = 1; i < words.size(); i++) {
            String word = words.get(i);
            if (WITH_VALUE.contains(word)) {
                if ((word.equals("-n") || word.equals("--namespace")) && i + 1 < words.size()) {
                    namespace = words.get(i + 1);
                }
                i++;
            } else if (word.startsWith("--namespace=")) {
                namespace = word.substring("--namespace=".length());
            } else if (!word.startsWith("-")) {
                arguments.add(word);
            }
        }
        return new CompletionLine(List.copyOf(arguments), namespace);
    }
}
