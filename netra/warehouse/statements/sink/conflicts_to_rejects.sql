-- A re-used event_id with a different body: the first stored body wins, later ones are refused as
-- conflicts into raw.rejected_events (not silently dropped). "First" = already in raw.events, else the
-- lowest (partition, offset) of the batch (the temp table sink_events). Exact re-sends (same body) are
-- simply stored once. The stored message is the event without its enrichment.
INSERT INTO raw.rejected_events (source_topic, source_partition, source_offset, stage, reasons, event_id,
                                 event_type, source, message_value, rejected_at, dlq_partition, dlq_offset)
SELECT coalesce(s.source_topic, s.kafka_topic), coalesce(s.source_partition, s.kafka_partition),
       coalesce(s.source_offset, s.kafka_offset), 'sink', %(reason)s::text[], s.event_id::text, s.event_type,
       s.source,
       convert_to(jsonb_build_object('event_id', s.event_id, 'event_type', s.event_type,
                                     'schema_version', s.schema_version, 'source', s.source,
                                     'occurred_at', s.occurred_at, 'payload', s.payload)::text, 'UTF8'),
       now(), s.kafka_partition, s.kafka_offset
FROM (SELECT event_id, event_type, schema_version, source, occurred_at, payload, body_sha256, kafka_topic,
             kafka_partition, kafka_offset, source_topic, source_partition, source_offset,
             first_value(body_sha256) OVER (PARTITION BY event_id ORDER BY kafka_partition, kafka_offset)
                 AS first_in_batch
      FROM sink_events) s
LEFT JOIN raw.events e ON e.event_id = s.event_id
WHERE s.body_sha256 <> coalesce(e.body_sha256, s.first_in_batch)
ON CONFLICT DO NOTHING;
