package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Keeps docs/verifier.md true: every rule is in the rule table and its fix is the hint reports print. */
class VerifierDocTest {

    @Test
    void everyRuleIsDocumentedWithTheHintItsReportsPrint() throws IOException {
        String doc = Files.readString(Path.of("docs", "verifier.md"), StandardCharsets.UTF_8);
        for (VerifierRule rule : VerifierRule.values()) {
            assertTrue(doc.contains("| `" + rule.name() + "` |"), rule + " is missing from the rule table");
            assertTrue(doc.contains("- `" + rule.name() + "`: " + rule.hint()),
                    rule + ": the fix in docs/verifier.md differs from its hint: " + rule.hint());
        }
    }
}
