package dev.tally.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.privacy.InMemoryWrappedKeyStore;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/** The KMS master key against moto_server's KMS (an independent implementation of the KMS API). */
class KmsMasterKeyTest {
    static MotoServer moto;
    static KmsClient kms;

    @BeforeAll
    static void start() {
        moto = MotoServer.startOrSkip();
        kms = KmsClient.builder().endpointOverride(moto.endpoint()).region(Region.of(MotoServer.REGION))
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY))).build();
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    private static String newKey() {
        return kms.createKey(b -> b.description("tally test")).keyMetadata().keyId();
    }

    @Test
    void data_keys_are_generated_and_unwrapped_by_kms() {
        KmsMasterKey master = new KmsMasterKey(kms, newKey());
        var generated = master.generateDataKey();
        assertThat(generated.plaintext()).hasSize(32);
        assertThat(generated.wrapped()).isNotEqualTo(generated.plaintext());
        assertThat(master.unwrap(generated.wrapped())).isEqualTo(generated.plaintext());
        assertThat(master.unwrap(master.wrap(generated.plaintext()))).isEqualTo(generated.plaintext());
    }

    @Test
    void personal_data_seals_opens_and_forgets_with_kms_keys() {
        KmsMasterKey master = new KmsMasterKey(kms, newKey());
        SubjectKeys keys = SubjectKeys.builder(master, new InMemoryWrappedKeyStore()).build();
        PersonalData data = new PersonalData(keys);
        String sealed = data.seal("holder-1", "Kim Mason");
        keys.clearCache(); // the next open unwraps through KMS Decrypt
        assertThat(data.open(sealed)).contains("Kim Mason");
        keys.forget("holder-1");
        assertThat(data.open(sealed)).isEmpty();
    }

    @Test
    void rotation_to_another_kms_key_rewraps_and_keeps_values_readable() {
        InMemoryWrappedKeyStore store = new InMemoryWrappedKeyStore();
        KmsMasterKey first = new KmsMasterKey(kms, newKey());
        String sealed = new PersonalData(SubjectKeys.builder(first, store).build()).seal("holder-2", "Lee Park");
        KmsMasterKey second = new KmsMasterKey(kms, newKey());
        assertThat(SubjectKeys.builder(second, store).previousMasterKeys(first).build().rotate()).isEqualTo(1);
        assertThat(store.get("holder-2").orElseThrow().masterKeyId()).isEqualTo(second.id());
        assertThat(new PersonalData(SubjectKeys.builder(second, store).build()).open(sealed)).contains("Lee Park");
    }

    @Test
    void an_unknown_key_fails_with_a_message_that_names_it() {
        KmsMasterKey missing = new KmsMasterKey(kms, "11111111-2222-3333-4444-555555555555");
        assertThatThrownBy(missing::generateDataKey).hasMessageContaining("11111111-2222-3333-4444-555555555555")
                .hasMessageContaining("kms:GenerateDataKey");
    }
}
