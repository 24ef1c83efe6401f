package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.projection.Projector;
import dev.tally.testing.ProjectionFixture;
import org.junit.jupiter.api.Test;

/** The fixture users reach for to prove their own projector is order-proof, on the bank's. */
class BankProjectionFixtureTest {

    @Test
    void shuffledAndDuplicatedDeliveryEndsAtTheSameViews() throws Exception {
        for (long seed = 0; seed < 20; seed++) {
            BankProjections projections = new BankProjections(new InMemoryProjectionWriter<>("b"),
                    new InMemoryProjectionWriter<>("t"), new InMemoryProjectionWriter<>("m"));
            ProjectionFixture<Account> fixture = ProjectionFixture.of(BankAccount.DEFINITION)
                    .given("alice", new Credited(100))
                    .given("alice", new Debited(30))
                    .given("bob", new Credited(5))
                    .given("alice", new Credited(1))
                    .givenReplay("bob");
            for (Projector<Account, ?> p : projections.projectors()) {
                fixture.deliverChaotically(p, seed);
            }
            assertThat(projections.account("alice")).contains(BankProjections.expected(fixture.store().load("alice")));
            assertThat(projections.account("bob")).contains(BankProjections.expected(fixture.store().load("bob")));
            assertThat(projections.account("alice").orElseThrow().balance()).isEqualTo(71);
            assertThat(projections.account("bob").orElseThrow().version()).isEqualTo(2);
        }
    }

    @Test
    void aProjectorThatAddsInsteadOfOverwritingIsCaught() throws Exception {
        // a naive projector (adds each event's amount to its view) is not idempotent: the fixture shows it
        InMemoryProjectionWriter<BalanceView> naive = new InMemoryProjectionWriter<>("naive");
        ProjectionFixture<Account> fixture = ProjectionFixture.of(BankAccount.DEFINITION);
        for (int i = 0; i < 10; i++) {
            fixture.given("alice", new Credited(100));
        }
        long[] sum = {0};
        fixture.deliverChaotically(m -> {
            sum[0] += m.event().payload().get("amount").asLong();
            naive.write("alice", Long.MAX_VALUE - sum[0], new BalanceView(sum[0]));
        }, 3);
        assertThat(sum[0]).as("duplicates were delivered, so adding overcounts").isGreaterThan(1000);
    }
}
