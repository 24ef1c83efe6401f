package dev.tally.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where an operations command works: a running server ({@code --url}, the default) or the backend
 * directly ({@code --dynamodb-endpoint}, or {@code --region} for DynamoDB on AWS, or {@code --jdbc-url}
 * for PostgreSQL), with the apps
 * whose definitions fold the aggregates ({@code --app}; apps on the classpath count too).
 */
final class ConnectionOptions {
    static final String DEFAULT_URL = "http://127.0.0.1:8080";

    @Option(names = "--url", paramLabel = "URL", description = "a running 'tally serve' (default: " + DEFAULT_URL
            + " unless a backend option is given); TALLY_TOKEN is sent when set")
    String url;

    @Option(names = "--dynamodb-endpoint", paramLabel = "URI", description = "work directly on DynamoDB at this"
            + " endpoint (DynamoDB Local, e.g. http://127.0.0.1:8000), no server needed")
    URI dynamoDbEndpoint;

    @Option(names = "--region", paramLabel = "REGION", description = "work directly on DynamoDB in this AWS region"
            + " (credentials from the default chain); with --dynamodb-endpoint, the region to sign for")
    String region;

    @Option(names = "--ledger-table", paramLabel = "TABLE", defaultValue = "tally-ledger",
            description = "direct mode: the ledger table (default: ${DEFAULT-VALUE})")
    String ledgerTable;

    @Option(names = "--snapshot-table", paramLabel = "TABLE", defaultValue = "tally-snapshots",
            description = "direct mode: the snapshot table (default: ${DEFAULT-VALUE})")
    String snapshotTable;

    @Option(names = "--view-table", paramLabel = "TABLE", description = "direct mode: the projection's view table"
            + " (default: {app}-{projection}, as 'tally serve' names them)")
    String viewTable;

    @Option(names = "--app", paramLabel = "JAR", description = "direct mode: a jar with the TallyApp whose stores and"
            + " projections to use; repeat for several (apps on the classpath count too)")
    List<Path> apps = new ArrayList<>();

    @Option(names = "--archive-dir", paramLabel = "DIR", description = "direct mode: the local archive of old"
            + " streams (read transparently, written by 'tally archive')")
    Path archiveDir;

    @Option(names = "--archive-s3", paramLabel = "s3://BUCKET[/PREFIX]", description = "direct mode: the S3 archive"
            + " of old streams")
    URI archiveS3;

    @Option(names = "--s3-endpoint", paramLabel = "URI", description = "direct mode: an S3-compatible endpoint for"
            + " --archive-s3 (e.g. moto_server)")
    URI s3Endpoint;

    @Option(names = "--jdbc-url", paramLabel = "URL", description = "work directly on PostgreSQL (e.g."
            + " jdbc:postgresql://127.0.0.1:5432/app?user=app; the password from PGPASSWORD when not in the URL)")
    String jdbcUrl;

    @Option(names = "--schema", paramLabel = "NAME", description = "with --jdbc-url: the schema of Tally's tables"
            + " (default: public, tables tally_*)")
    String schema;

    boolean direct() {
        return dynamoDbEndpoint != null || region != null || jdbcUrl != null;
    }

    OpsBackend open(CommandLine cl) {
        if (direct() && url != null) {
            throw new CommandLine.ParameterException(cl, "--url talks to a running server and --dynamodb-endpoint/"
                    + "--region work on the backend directly: pass one or the other");
        }
        if (!direct()) {
            if (archiveDir != null || archiveS3 != null || !apps.isEmpty() || viewTable != null) {
                throw new CommandLine.ParameterException(cl, "--app, --view-table and --archive-* are for direct mode"
                        + " (--dynamodb-endpoint or --region); a server uses its own");
            }
            return new RemoteOps(url == null ? DEFAULT_URL : url, System.getenv("TALLY_TOKEN"));
        }
        if (jdbcUrl != null) {
            if (dynamoDbEndpoint != null || region != null) {
                throw new CommandLine.ParameterException(cl, "--jdbc-url works on PostgreSQL: leave out the DynamoDB"
                        + " options (--dynamodb-endpoint, --region)");
            }
            if (archiveDir != null && archiveS3 != null) {
                throw new CommandLine.ParameterException(cl, "pass one archive: --archive-dir or --archive-s3");
            }
            return DirectOps.openJdbc(this, AppLoader.load(apps, cl));
        }
        if (archiveDir != null && archiveS3 != null) {
            throw new CommandLine.ParameterException(cl, "pass one archive: --archive-dir or --archive-s3");
        }
        return DirectOps.open(this, AppLoader.load(apps, cl));
    }
}
