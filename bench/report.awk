# Turns bench/run.sh's raw measurements (build/bench-run/raw.tsv, one line per
# run) into the printed tables and build/bench/result.json. Raw columns:
#   1 size  2 records  3 row  4 done µs (from start)  5 first record µs (-1: not
#   watched)  6 exit µs  7 CPU s  8 peak RSS kB  9 source broker CPU ticks
#   10 target broker CPU ticks  11 machine busy ticks  12 rate the tool
#   reported (-1: none)  13 records on the target at the end (-1: not counted)
# Variables: json, scale_json, version, partitions, nproc, hz, kmig_version,
# commit, date, kmig_set, mm2_jvm, broker_jvm, load (1-minute load average
# before the brokers started: other work on the machine skews everything).

function jstr(s) {
    gsub(/\\/, "\\\\", s)
    gsub(/"/, "\\\"", s)
    return "\"" s "\""
}

{
    k = $1 SUBSEP $3
    if (!($1 in seen)) { seen[$1] = 1; sizes[++nsizes] = $1; records[$1] = $2 }
    bytes = $1 * $2
    wall = $4 / 1e6
    first[k] = $5 < 0 ? -1 : $5 / 1e6
    wall_s[k] = wall
    exit_s[k] = $6 / 1e6
    rate[k] = $2 / wall
    if ($12 >= 0) steady[k] = $12
    else if ($5 >= 0 && $4 > $5) steady[k] = $2 / (($4 - $5) / 1e6)
    else steady[k] = rate[k]
    cpu[k] = $7
    cpu_gb[k] = $7 / (bytes / 1e9)
    rss[k] = $8 / 1024
    src[k] = $9 / hz
    tgt[k] = $10 / hz
    other[k] = $11 / hz - $7 - src[k] - tgt[k]
    if (other[k] < 0) other[k] = 0
    count[k] = $13
}

function ratio(a, b) { return b > 0 ? a / b : 0 }

function verdict(ok) { return ok ? "pass" : "FAIL" }

# Issue 13's targets for kmig against MM2 in the same run, one line each
# (informational: the bench asserts nothing). Sets tgt_ok[size, name].
function targets(s,    m, q, a, b, c, d) {
    m = s SUBSEP "mm2"; q = s SUBSEP "kmig"
    if (!(m in wall_s) || !(q in wall_s)) return
    a = ratio(steady[q], steady[m]); b = ratio(cpu_gb[m], cpu_gb[q]); c = ratio(rss[m], rss[q])
    d = rss[q]
    tgt_ok[s, "rate"] = a >= 3; tgt_ok[s, "cpu"] = b >= 10
    tgt_ok[s, "rss"] = c >= 10; tgt_ok[s, "rss128"] = d < 128
    printf "targets: steady rate >= 3x mm2: %.2fx %s; CPU per GB <= 1/10 of mm2's: 1/%.1f %s; " \
        "peak RSS <= 1/10 of mm2's: 1/%.1f %s; peak RSS < 128 MB: %.0f MB %s\n",
        a, verdict(tgt_ok[s, "rate"]), b, verdict(tgt_ok[s, "cpu"]), c, verdict(tgt_ok[s, "rss"]),
        d, verdict(tgt_ok[s, "rss128"])
}

END {
    nrows = split("ceiling-read ceiling-write mm2 kmig kmig-eos", rows, " ")
    for (i = 1; i <= nsizes; i++) {
        s = sizes[i]
        printf "\n%d-byte records: %d records (%.0f MB), %d partitions, Kafka %s, %d cores, load %s\n",
            s, records[s], s * records[s] / 1e6, partitions, version, nproc, load
        printf "%-14s %7s %7s %7s %10s %10s %7s %7s %8s %8s %11s %7s\n", "run", "done s",
            "1st s", "exit s", "rec/s", "steady/s", "MB/s", "CPU s", "CPU s/GB", "RSS MB",
            "broker s/t", "other"
        for (r = 1; r <= nrows; r++) {
            k = s SUBSEP rows[r]
            if (!(k in wall_s)) continue
            printf "%-14s %7.1f %7s %7.1f %10.0f %10.0f %7.1f %7.1f %8.1f %8.0f %5.1f/%-5.1f %7.1f\n",
                rows[r], wall_s[k], (first[k] < 0 ? "-" : sprintf("%.1f", first[k])), exit_s[k],
                rate[k], steady[k], steady[k] * s / 1e6, cpu[k], cpu_gb[k], rss[k], src[k],
                tgt[k], other[k]
        }
        w = s SUBSEP "ceiling-write"; m = s SUBSEP "mm2"; q = s SUBSEP "kmig"
        printf "kmig/ceiling-write steady rate %.2f; kmig/mm2 rate %.2fx (steady %.2fx); " \
            "CPU per GB mm2/kmig %.1fx; peak RSS mm2/kmig %.1fx\n",
            ratio(steady[q], steady[w]), ratio(rate[q], rate[m]), ratio(steady[q], steady[m]),
            ratio(cpu_gb[m], cpu_gb[q]), ratio(rss[m], rss[q])
        targets(s)
        for (r = 3; r <= 4; r++) {
            k = s SUBSEP rows[r]
            if (count[k] != records[s])
                printf "NOTE: %s left %d records on the target for %d copied\n", rows[r], count[k], records[s]
        }
    }

    printf "{\n  \"date\": %s,\n  \"commit\": %s,\n  \"kmig\": %s,\n", jstr(date), jstr(commit),
        jstr(kmig_version) > json
    printf "  \"kafka_version\": %s,\n  \"partitions\": %d,\n  \"cores\": %d,\n  \"load_average\": %s,\n",
        jstr(version), partitions, nproc, load > json
    printf "  \"broker_jvm_opts\": %s,\n  \"mm2_jvm_opts\": %s,\n  \"kmig_set\": %s,\n",
        jstr(broker_jvm), jstr(mm2_jvm), jstr(kmig_set) > json
    printf "  \"units\": {\"MB\": 1000000, \"GB\": 1000000000, \"times\": \"seconds from process start\"},\n" > json
    printf "  \"cases\": [" > json
    for (i = 1; i <= nsizes; i++) {
        s = sizes[i]
        printf "%s\n    {\"record_bytes\": %d, \"records\": %d, \"runs\": {", (i > 1 ? "," : ""), s,
            records[s] > json
        sep = ""
        for (r = 1; r <= nrows; r++) {
            k = s SUBSEP rows[r]
            if (!(k in wall_s)) continue
            printf "%s\n      %s: {\"done_s\": %.3f, \"first_record_s\": %s, \"exit_s\": %.3f, " \
                "\"records_per_s\": %.0f, \"steady_records_per_s\": %.0f, \"steady_mb_per_s\": %.2f, " \
                "\"cpu_s\": %.2f, \"cpu_s_per_gb\": %.2f, \"peak_rss_mb\": %.1f, " \
                "\"source_broker_cpu_s\": %.2f, \"target_broker_cpu_s\": %.2f, \"other_cpu_s\": %.2f, " \
                "\"target_records\": %s}",
                sep, jstr(rows[r]), wall_s[k], (first[k] < 0 ? "null" : sprintf("%.3f", first[k])),
                exit_s[k], rate[k], steady[k], steady[k] * s / 1e6, cpu[k], cpu_gb[k], rss[k],
                src[k], tgt[k], other[k], (count[k] < 0 ? "null" : count[k]) > json
            sep = ","
        }
        w = s SUBSEP "ceiling-write"; m = s SUBSEP "mm2"; q = s SUBSEP "kmig"
        printf "\n      },\n      \"ratios\": {\"kmig_to_ceiling_write_steady\": %.3f, " \
            "\"kmig_to_mm2_rate\": %.3f, \"kmig_to_mm2_steady\": %.3f, \"mm2_to_kmig_cpu_per_gb\": %.2f, " \
            "\"mm2_to_kmig_peak_rss\": %.2f}",
            ratio(steady[q], steady[w]), ratio(rate[q], rate[m]), ratio(steady[q], steady[m]),
            ratio(cpu_gb[m], cpu_gb[q]), ratio(rss[m], rss[q]) > json
        if ((s SUBSEP "rate") in tgt_ok)
            printf ",\n      \"targets\": {\"steady_rate_3x_mm2\": %s, \"cpu_per_gb_tenth_of_mm2\": %s, " \
                "\"peak_rss_tenth_of_mm2\": %s, \"peak_rss_under_128mb\": %s}",
                (tgt_ok[s, "rate"] ? "true" : "false"), (tgt_ok[s, "cpu"] ? "true" : "false"),
                (tgt_ok[s, "rss"] ? "true" : "false"), (tgt_ok[s, "rss128"] ? "true" : "false") > json
        printf "}" > json
    }
    printf "\n  ]" > json
    if (scale_json != "") {
        printf ",\n  \"scale\": " > json
        while ((getline line < scale_json) > 0) print line > json
        close(scale_json)
    } else printf "\n" > json
    printf "}\n" > json
    close(json)
}
