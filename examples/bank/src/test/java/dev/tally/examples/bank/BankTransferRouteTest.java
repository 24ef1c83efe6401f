package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.ReadOptions;
import dev.tally.core.app.AppRoute;
import dev.tally.core.json.JsonCodec;
import dev.tally.testing.AppFlow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** POST /api/transfers, the bank app's own route, on the whole app in memory. */
class BankTransferRouteTest {
    final AppFlow flow = AppFlow.start(new BankApp());

    @AfterEach
    void close() {
        flow.close();
    }

    @Test
    void aTransferMovesMoneyAndTheBalanceViewsFollow() {
        flow.execute(BankAccount.DEFINITION, "alice", new Credit(100));
        AppRoute.Response r = flow.call("POST", "/api/transfers", JsonCodec.object().put("from", "alice")
                .put("to", "bob").put("amount", 40));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().get("to").get("version").asLong()).isEqualTo(1);
        assertThat(flow.view(BankProjections.BALANCE_VIEW).read("bob").orElseThrow().view().balance()).isEqualTo(40);
        assertThat(flow.view(BankProjections.BALANCE_VIEW).read("alice").orElseThrow().view().balance()).isEqualTo(60);
    }

    @Test
    void aTransferThatWouldOverdrawAnswers422AndAppendsNothing() {
        flow.execute(BankAccount.DEFINITION, "alice", new Credit(100));
        assertThatThrownBy(() -> flow.call("POST", "/api/transfers", JsonCodec.object().put("from", "alice")
                .put("to", "bob").put("amount", 101)))
                .isInstanceOfSatisfying(AppRoute.AppError.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.code()).isEqualTo("insufficient_funds");
                });
        assertThat(flow.store(BankAccount.DEFINITION).read("alice", ReadOptions.ALL)).hasSize(1);
        assertThat(flow.store(BankAccount.DEFINITION).read("bob", ReadOptions.ALL)).isEmpty();
    }

    @Test
    void aTransferToTheSameAccountIsABadRequest() {
        assertThatThrownBy(() -> flow.call("POST", "/api/transfers", JsonCodec.object().put("from", "alice")
                .put("to", "alice").put("amount", 1)))
                .isInstanceOfSatisfying(AppRoute.AppError.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}
