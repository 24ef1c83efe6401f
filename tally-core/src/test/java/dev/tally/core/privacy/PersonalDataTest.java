package dev.tally.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tally.core.Aggregate;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.EventStore;
import dev.tally.core.PersonalDataForgotten;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.memory.InMemorySnapshotStore;
import dev.tally.core.projection.Projection;
import dev.tally.core.internal.Chaos;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.spi.WrappedKey;
import dev.tally.core.spi.WrappedKeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersonalDataTest {
    // a member with a name and an email (personal) and points (clear)
    sealed interface MemberEvent permits Joined, Scored {
    }

    record Joined(String name, String email, String tier) implements MemberEvent {
    }

    record Scored(long points) implements MemberEvent {
    }

    record Member(String name, String email, String tier, long points) {
    }

    sealed interface MemberCommand extends Command<Member> permits Join, Score {
    }

    record Join(String name, String email) implements MemberCommand {
    }

    record Score(long points) implements MemberCommand {
    }

    record Card(String name, long points) {
    }

    static final AggregateDefinition<Member> MEMBER = AggregateDefinition.builder("member", Member.class,
                    MemberCommand.class, MemberEvent.class, Decider.<MemberCommand, MemberEvent, Member>of(
                            new Member(null, null, null, 0),
                            (c, m) -> c instanceof Join j ? Decision.emit(new Joined(j.name(), j.email(), "gold"))
                                    : Decision.emit(new Scored(((Score) c).points())),
                            (m, e) -> e.payload() instanceof Joined j ? new Member(j.name(), j.email(), j.tier(),
                                    m.points()) : new Member(m.name(), m.email(), m.tier(),
                                    m.points() + ((Scored) e.payload()).points())))
            .personalData(Joined.class, PersonalFields.of("name", "email"))
            .build();

    static final Projection<Member, Card> CARD = Projection.of("card", MEMBER, Card.class,
            a -> new Card(a.state().name(), a.state().points()));

    final SubjectKeys keys = SubjectKeys.builder(LocalMasterKey.generate(), new InMemoryWrappedKeyStore()).build();
    final PersonalData personal = new PersonalData(keys);

    @Test
    void personal_fields_are_sealed_on_append_and_the_rest_stays_clear() {
        InMemoryLedger ledger = new InMemoryLedger();
        InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        EventStore<Member> members = EventStore.builder(MEMBER, ledger).personalData(personal)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(1)).build();
        members.execute("m1", new Join("Ada Lovelace", "ada@example.org"));
        members.execute("m1", new Score(7));

        RecordedEvent joined = ledger.read("member", "m1", ReadOptions.ALL).get(0);
        String stored = JsonCodec.eventToJson(joined).toString();
        assertThat(stored).doesNotContain("Ada Lovelace").doesNotContain("ada@example.org").contains("\"tier\":\"gold\"");
        assertThat(PersonalData.isSealed(joined.payload().get("name"))).isTrue();
        assertThat(PersonalData.subjectsIn(joined.payload())).containsExactly("m1");

        // the state (and so snapshots, messages and views) carries the sealed strings, never the values
        Aggregate<Member> m = members.load("m1");
        assertThat(m.state().points()).isEqualTo(7);
        assertThat(PersonalData.isSealed(m.state().name())).isTrue();
        assertThat(snapshots.latest("member", "m1", MEMBER.reducerVersion(), Long.MAX_VALUE).orElseThrow().state()
                .toString()).doesNotContain("Ada").doesNotContain("ada@");
        // revealed where it is read
        PersonalData.Revealed r = personal.reveal(members.stateToJson(m.state()), null);
        assertThat(r.forgotten()).isFalse();
        assertThat(r.value().get("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(r.value().get("email").asText()).isEqualTo("ada@example.org");
    }

    @Test
    void forget_destroys_the_key_appends_the_audit_event_refreshes_views_and_folds_still_work() throws Exception {
        try (InMemoryPipeline pipeline = InMemoryPipeline.create(Chaos.NONE).personalData(personal)) {
            EventStore<Member> members = pipeline.store(MEMBER);
            InMemoryProjectionWriter<Card> cards = new InMemoryProjectionWriter<>("card");
            pipeline.project(CARD, cards);
            pipeline.start();
            members.execute("m1", new Join("Ada Lovelace", "ada@example.org"));
            members.execute("m1", new Score(5));
            members.execute("m2", new Join("Grace Hopper", "grace@example.org"));
            assertThat(pipeline.awaitQuiet(Duration.ofSeconds(10))).isTrue();
            assertThat(personal.reveal(JsonCodec.toTree(cards.read("m1").orElseThrow().view()), null).value()
                    .get("name").asText()).isEqualTo("Ada Lovelace");

            // the state-carrying message (what EventBridge, SQS, the journal and dead letters hold) is sealed
            RecordedEvent joined = members.read("m1", ReadOptions.ALL).get(0);
            String message = dev.tally.core.message.MessageCodec.toJsonString(pipeline.dispatcher().messageFor(joined));
            assertThat(message).contains("tally:pii:1:").doesNotContain("Ada Lovelace").doesNotContain("ada@example");

            RecordedEvent audit = members.forget("m1");
            assertThat(audit.type()).isEqualTo(PersonalDataForgotten.TYPE_NAME);
            assertThat(audit.payload().get("subjects").toString()).isEqualTo("[\"m1\"]");
            assertThat(keys.find("m1")).isEmpty();
            assertThat(pipeline.awaitQuiet(Duration.ofSeconds(10))).isTrue();

            // the view was refreshed at the audit event's version; its sealed name no longer opens
            var card = cards.read("m1").orElseThrow();
            assertThat(card.version()).isEqualTo(audit.version());
            assertThat(card.view().points()).isEqualTo(5);
            PersonalData.Revealed r = personal.reveal(JsonCodec.toTree(card.view()), TextNode.valueOf("[forgotten]"));
            assertThat(r.forgotten()).isTrue();
            assertThat(r.value().get("name").asText()).isEqualTo("[forgotten]");
            // folds still work, the events still decode, the other member is untouched
            Aggregate<Member> m1 = members.load("m1");
            assertThat(m1.state().points()).isEqualTo(5);
            assertThat(members.events("m1")).hasSize(3);
            assertThat(personal.reveal(JsonCodec.toTree(cards.read("m2").orElseThrow().view()), null).value()
                    .get("name").asText()).isEqualTo("Grace Hopper");
            // a new holder after a forget gets a new key; the old sealed values stay unreadable
            members.execute("m1", new Join("Ada King", "ada.king@example.org"));
            JsonNode events = JsonCodec.toTree(members.read("m1", ReadOptions.ALL).stream()
                    .map(RecordedEvent::payload).toList());
            PersonalData.Revealed all = personal.reveal(events, null);
            assertThat(all.forgotten()).isTrue();
            assertThat(all.value().toString()).contains("Ada King").doesNotContain("Ada Lovelace");
        }
    }

    @Test
    void a_store_without_keys_refuses_personal_events_and_says_what_to_do() {
        EventStore<Member> members = EventStore.builder(MEMBER, new InMemoryLedger()).build();
        assertThatThrownBy(() -> members.execute("m1", new Join("Ada", "a@b")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("personalData(");
        members.execute("m1", new Score(1)); // clear events need no keys
    }

    @Test
    void declarations_are_checked_when_the_definition_is_built() {
        assertThatThrownBy(() -> AggregateDefinition.builder("member", Member.class, MemberCommand.class,
                MemberEvent.class, Decider.<MemberCommand, MemberEvent, Member>of(new Member(null, null, null, 0), (c, m) -> null, (m, e) -> m))
                .personalData(Scored.class, PersonalFields.of("points")))
                .hasMessageContaining("must be Strings");
        assertThatThrownBy(() -> PersonalFields.of("name").subjectFrom("name")).hasMessageContaining("both");
    }

    @Test
    void a_tampered_sealed_value_is_refused_not_misread() {
        String sealed = personal.seal("s1", "secret");
        char last = sealed.charAt(sealed.length() - 2);
        String tampered = sealed.substring(0, sealed.length() - 2) + (last == 'A' ? 'B' : 'A')
                + sealed.charAt(sealed.length() - 1);
        assertThat(personal.open(sealed)).contains("secret");
        assertThatThrownBy(() -> personal.open(tampered)).hasMessageContaining("altered");
    }

    @Test
    void keys_are_cached_for_their_time_to_live_only_and_the_cache_is_bounded() {
        AtomicInteger reads = new AtomicInteger();
        InMemoryWrappedKeyStore inner = new InMemoryWrappedKeyStore();
        WrappedKeyStore counting = new WrappedKeyStore() {
            public java.util.Optional<WrappedKey> get(String s) {
                reads.incrementAndGet();
                return inner.get(s);
            }

            public boolean putIfAbsent(WrappedKey k) {
                return inner.putIfAbsent(k);
            }

            public boolean replace(WrappedKey e, WrappedKey n) {
                return inner.replace(e, n);
            }

            public void delete(String s) {
                inner.delete(s);
            }

            public dev.tally.core.Page<WrappedKey> list(dev.tally.core.PageRequest r) {
                return inner.list(r);
            }
        };
        Instant[] now = {Instant.parse("2026-11-29T10:00:00Z")};
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId z) {
                return this;
            }

            public Instant instant() {
                return now[0];
            }
        };
        SubjectKeys k = SubjectKeys.builder(LocalMasterKey.generate(), counting).cacheTtl(Duration.ofMinutes(1))
                .cacheSize(2).clock(clock).build();
        k.keyFor("a");
        reads.set(0);
        k.find("a");
        assertThat(reads).hasValue(0); // cached
        now[0] = now[0].plus(Duration.ofMinutes(2));
        k.find("a");
        assertThat(reads).hasValue(1); // expired: read again
        k.keyFor("b");
        k.keyFor("c");
        assertThat(k.cachedKeys()).isEqualTo(2);
        k.forget("c");
        assertThat(k.cachedKeys()).isEqualTo(1);
        assertThat(k.find("c")).isEmpty();
    }

    @Test
    void rotation_rewraps_every_data_key_and_values_stay_readable_with_the_new_master_only() {
        InMemoryWrappedKeyStore store = new InMemoryWrappedKeyStore();
        LocalMasterKey oldMaster = LocalMasterKey.generate();
        PersonalData before = new PersonalData(SubjectKeys.builder(oldMaster, store).build());
        String a = before.seal("a", "Alice");
        String b = before.seal("b", "Bob");

        LocalMasterKey newMaster = LocalMasterKey.generate();
        assertThatThrownBy(() -> new PersonalData(SubjectKeys.builder(newMaster, store).build()).open(a))
                .hasMessageContaining("previous one");
        SubjectKeys rotating = SubjectKeys.builder(newMaster, store).previousMasterKeys(oldMaster).build();
        assertThat(rotating.rotate()).isEqualTo(2);
        assertThat(rotating.rotate()).isZero();
        assertThat(store.get("a").orElseThrow().masterKeyId()).isEqualTo(newMaster.id());

        PersonalData after = new PersonalData(SubjectKeys.builder(newMaster, store).build()); // old master retired
        assertThat(after.open(a)).contains("Alice");
        assertThat(after.open(b)).contains("Bob");
    }

    @Test
    void the_master_key_file_is_owner_only_and_an_open_one_is_refused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("master.key");
        LocalMasterKey made = LocalMasterKey.fromFile(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(LocalMasterKey.fromFile(file).id()).isEqualTo(made.id());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> LocalMasterKey.fromFile(file)).hasMessageContaining("chmod 600");
        assertThatThrownBy(() -> LocalMasterKey.fromBase64("c2hvcnQ=")).hasMessageContaining("32 bytes");
    }
}
