package dev.tally.aws;

import dev.tally.core.RecordedEvent;
import dev.tally.core.archive.ArchiveFormat;
import dev.tally.core.spi.ArchiveStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Archived streams in S3: one object per aggregate stream, {@code {prefix}{store}/{id}.jsonl.gz},
 * gzip-compressed JSON lines of the recorded events (versions 1..H), replaced whole when the stream
 * is archived again. A PutObject that returned is durable and read back whole (S3 is strongly
 * consistent for reads after writes).
 */
public final class S3ArchiveStore implements ArchiveStore {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    public S3ArchiveStore(S3Client s3, String bucket, String prefix) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.prefix = prefix == null || prefix.isEmpty() ? "" : prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** {@code s3://bucket/prefix}: the archive at that place, on AWS or at an S3-compatible endpoint (null for AWS). */
    public static S3ArchiveStore at(URI location, URI endpoint, Region region) {
        if (!"s3".equals(location.getScheme()) || location.getHost() == null) {
            throw new IllegalArgumentException("an S3 archive is named s3://BUCKET or s3://BUCKET/PREFIX, got '"
                    + location + "'");
        }
        var b = S3Client.builder().httpClient(UrlConnectionHttpClient.create()).region(region);
        if (endpoint != null) {
            // S3-compatible servers (moto_server, MinIO) answer path-style requests with any credentials
            b.endpointOverride(endpoint).forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("tallyLocal", "tallyLocalSecret")));
        } else {
            b.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        String path = location.getPath() == null ? "" : location.getPath().replaceFirst("^/", "");
        return new S3ArchiveStore(b.build(), location.getHost(), path);
    }

    /** The client (to create the bucket in tests and tools). */
    public S3Client client() {
        return s3;
    }

    String key(String store, String aggregateId) {
        String safe = aggregateId.matches("[A-Za-z0-9_-]+") ? aggregateId
                : "x" + java.util.HexFormat.of().formatHex(aggregateId.getBytes(StandardCharsets.UTF_8));
        return prefix + store + "/" + safe + ".jsonl.gz";
    }

    @Override
    public void put(String store, String aggregateId, List<RecordedEvent> events) {
        s3.putObject(r -> r.bucket(bucket).key(key(store, aggregateId)).contentType("application/gzip"),
                RequestBody.fromBytes(ArchiveFormat.encode(events)));
    }

    @Override
    public List<RecordedEvent> get(String store, String aggregateId) {
        String key = key(store, aggregateId);
        try {
            byte[] object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
            return ArchiveFormat.decode(object, describe() + key.substring(prefix.length()));
        } catch (NoSuchKeyException e) {
            return List.of();
        }
    }

    @Override
    public String describe() {
        return "s3://" + bucket + "/" + prefix;
    }
}
