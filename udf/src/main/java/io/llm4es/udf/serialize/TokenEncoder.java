package io.llm4es.udf.serialize;

/** Token ids of a text, without special tokens: the unit the token budget is counted in. */
@FunctionalInterface
public interface TokenEncoder {
    int[] encode(String text);

    /**
     * The most characters one token can stand for, or {@link Integer#MAX_VALUE} when the
     * tokenizer gives no such bound. A text longer than {@code budget} times this needs more than
     * {@code budget} tokens, which the serializer then knows without tokenizing it.
     */
    default int maxCharsPerToken() {
        return Integer.MAX_VALUE;
    }
}
