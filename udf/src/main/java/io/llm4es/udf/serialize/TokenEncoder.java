package io.llm4es.udf.serialize;

/** Token ids of a text, without special tokens: the unit the token budget is counted in. */
@FunctionalInterface
public interface TokenEncoder {
    int[] encode(String text);
}
