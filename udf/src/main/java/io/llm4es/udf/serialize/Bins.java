package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.util.List;

/**
 * Named value ranges of a number field, e.g. edges [100, 1000] with labels small, medium, large:
 * a value below 100 is small, from 100 below 1000 medium, from 1000 large.
 */
public record Bins(List<BigDecimal> edges, List<String> labels) {
    public Bins {
        edges = List.copyOf(edges);
        labels = List.copyOf(labels);
        if (edges.isEmpty() || labels.size() != edges.size() + 1) {
            throw Llm4esException.invalid("bins: " + edges.size() + " edge(s) need " + (edges.size() + 1)
                    + " bin_labels, got " + labels.size());
        }
        for (int i = 1; i < edges.size(); i++) {
            if (edges.get(i).compareTo(edges.get(i - 1)) <= 0) {
                throw Llm4esException.invalid("bins: edges must increase strictly, got " + edges);
            }
        }
        for (String label : labels) {
            if (label.isBlank() || label.contains("\n")) {
                throw Llm4esException.invalid("bins: every bin label must be a non-empty single line");
            }
        }
    }

    public String label(BigDecimal value) {
        int i = 0;
        while (i < edges.size() && value.compareTo(edges.get(i)) >= 0) {
            i++;
        }
        return labels.get(i);
    }
}
