package io.llm4es.udf.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which pre-tokenizers keep every character, so that the longest token bounds characters per token. */
class TokenizerFactsTest {
    private static final String BPE = """
            {"model": {"type": "BPE", "vocab": {"<pad>": 0, "a": 1, "|credit": 2}}, "pre_tokenizer": %s}""";

    private static int maxCharsPerToken(String preTokenizer) {
        return TokenizerFacts.of(BPE.formatted(preTokenizer).getBytes(StandardCharsets.UTF_8), "test")
                .maxCharsPerToken();
    }

    @Test
    void aDomainTokenizerSplittingBeforeItsSeparatorsBoundsCharacters() {
        String split = """
                {"type": "Sequence", "pretokenizers": [
                  {"type": "Split", "pattern": {"Regex": "\\\\||\\n"}, "behavior": "MergedWithNext", "invert": false},
                  {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}""";
        assertEquals(7, maxCharsPerToken(split));
        String digits = """
                {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true},
                  {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}]}""";
        assertEquals(7, maxCharsPerToken(digits));
    }

    @Test
    void aSplitThatRemovesItsDelimitersDoesNot() {
        String removing = """
                {"type": "Sequence", "pretokenizers": [
                  {"type": "Split", "pattern": {"String": " "}, "behavior": "Removed", "invert": false},
                  {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}""";
        assertEquals(Integer.MAX_VALUE, maxCharsPerToken(removing));
        assertEquals(Integer.MAX_VALUE, maxCharsPerToken("{\"type\": \"Whitespace\"}"));
    }
}
