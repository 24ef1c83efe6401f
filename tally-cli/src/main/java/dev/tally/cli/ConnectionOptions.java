package dev.tally.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.tally.aws.deploy.AppTemplate;
import dev.tally.core.app.TallyApp;
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

    @Option(names = "--ledger-table", paramLabel = "TABLE", description = "direct mode: the ledger table (default:"
            + " with --region, {app}-ledger, as 'tally aws template' names the app's table; otherwise tally-ledger)")
    String ledgerTable;

    @Option(names = "--snapshot-table", paramLabel = "TABLE", description = "direct mode: the snapshot table"
            + " (default: with --region, {app}-snapshots; otherwise tally-snapshots)")
    String snapshotTable;

    @Option(names = "--data-keys-table", paramLabel = "TABLE", description = "direct mode, forget: the table of"
            + " wrapped data keys (default: with --region, {app}-data-keys; otherwise tally-data-keys)")
    String dataKeysTable;

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

    /** The ledger table: --ledger-table, else the deployed app's (with --region), else tally serve's. */
    String ledgerTable(List<TallyApp> apps) {
        return ledgerTable != null ? ledgerTable : deployed(apps).map(AppTemplate::ledgerTable).orElse("tally-ledger");
    }

    String snapshotTable(List<TallyApp> apps) {
        return snapshotTable != null ? snapshotTable
                : deployed(apps).map(AppTemplate::snapshotTable).orElse("tally-snapshots");
    }

    String dataKeysTable(List<TallyApp> apps) {
        return dataKeysTable != null ? dataKeysTable
                : deployed(apps).map(AppTemplate::dataKeysTable).orElse("tally-data-keys");
    }

    /**
     * With --region (and no --dynamodb-endpoint): the app as deployed by its template, whose tables
     * are named after it. The AWS endpoint may still be overridden the SDK's standard way
     * (AWS_ENDPOINT_URL, or the aws.endpointUrl system property).
     */
    private Optional<AppTemplate> deployed(List<TallyApp> apps) {
        if (region == null || dynamoDbEndpoint != null) {
            return Optional.empty();
        }
        if (apps.size() != 1) {
            throw new IllegalArgumentException("--region: the deployed tables are named after the app, and "
                    + (apps.isEmpty() ? "no app was given" : "several apps were given " + apps.stream()
                            .map(TallyApp::name).toList()) + ": pass the app's jar once with --app JAR, or name the"
                    + " tables with --ledger-table and --snapshot-table");
        }
        return Optional.of(new AppTemplate(apps.get(0), "unused.jar"));
    }

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
