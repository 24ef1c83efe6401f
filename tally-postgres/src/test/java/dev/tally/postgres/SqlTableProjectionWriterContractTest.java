package dev.tally.postgres;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.testing.ProjectionWriterContract;
import java.util.List;

/** The projection writer contract for a typed SQL table per projection. */
class SqlTableProjectionWriterContractTest extends ProjectionWriterContract {
    private static final String SCHEMA = TestDatabase.emptySchema("sql_table_contract").schema();

    static {
        TestDatabase.execute("CREATE SCHEMA " + SCHEMA);
    }

    @Override
    protected ProjectionWriter<TestView> writer(String projectionName) {
        return SqlTableProjectionWriter.<TestView>into(SCHEMA + "." + projectionName)
                .key("view_key")
                .column(SqlColumn.text("owner", TestView::owner))
                .column(SqlColumn.bigint("total", TestView::total))
                .column(SqlColumn.jsonb("tags", TestView::tags))
                .reader(row -> new TestView(row.getString("owner"), row.getLong("total"),
                        JsonCodec.mapper().convertValue(SqlTableProjectionWriter.jsonb(row, "tags"),
                                new TypeReference<List<String>>() { })))
                .build(TestDatabase.dataSource())
                .createTableIfNotExists();
    }
}
