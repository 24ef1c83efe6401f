/**
 * Operations at scale, the engines behind {@code tally rebuild}, {@code replay},
 * {@code verify-snapshots} and {@code archive}: they walk aggregate ids a page at a time (never
 * events, never the whole ledger in memory), keep their place so a killed run resumes, and report
 * progress. They know no transport: a {@link dev.tally.core.ops.Rebuild.Sender} delivers to a
 * projection in this process, through a running server, or through a bus.
 */
package dev.tally.core.ops;
