package org.netra.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A minimal upstream producer for Netra, in Java: copy it and adapt it.
 *
 * <p>It plays a BKPSDM (regional HR agency) system: it sends one valid and one invalid
 * {@code sanction.imposed} event to {@code sanctions.raw} (keyed by sanction_id, as the contract
 * says), waits until the broker acknowledged both, then reads its own rejects topic
 * {@code rejects.<source domain>} until the notice for the invalid event arrives, and prints the
 * reasons with what to fix. Exit code 0 when the reject came back.
 *
 * <p>Environment: NETRA_KAFKA_BOOTSTRAP (default 127.0.0.1:9092), NETRA_SOURCE (default
 * bkpsdm:33.72), NETRA_REJECT_TIMEOUT_S (default 120).
 */
public final class NetraProducer {
    private static final String TOPIC = "sanctions.raw";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ZoneOffset WIB = ZoneOffset.ofHours(7);

    private NetraProducer() {}

    /** A sanction.imposed event of contract v1 (netra/contracts/schemas/sanction.imposed.v1.json). */
    static ObjectNode sanctionImposed(String source, String sanctionId, int sanctionCode) {
        OffsetDateTime now = OffsetDateTime.now(WIB).truncatedTo(ChronoUnit.SECONDS);
        String today = LocalDate.now(WIB).toString();
        ObjectNode event = JSON.createObjectNode();
        event.put("event_id", UUID.randomUUID().toString()); // keep it: a re-send must reuse it
        event.put("event_type", "sanction.imposed");
        event.put("schema_version", 1);
        event.put("source", source);
        event.put("occurred_at", now.toString());
        ObjectNode payload = event.putObject("payload");
        payload.put("sanction_id", sanctionId);
        payload.put("nip", "198609262015051001");
        payload.put("name", "Budi Santoso");
        payload.put("agency", "Pemerintah Kota Surakarta");
        payload.put("sanction_code", sanctionCode); // SIASN jenisHukumanId
        payload.put("decree_date", today);
        payload.put("effective_from", today);
        payload.putNull("effective_to");
        payload.putNull("recommendation_ref");
        payload.put("reason", "Example sent by examples/java (NetraProducer)");
        return event;
    }

    static void send(KafkaProducer<byte[], byte[]> producer, ObjectNode event) throws Exception {
        byte[] key = event.get("payload").get("sanction_id").asText().getBytes(StandardCharsets.UTF_8);
        byte[] value = JSON.writeValueAsBytes(event);
        producer.send(new ProducerRecord<>(TOPIC, key, value)).get(); // throws unless acknowledged
    }

    /** Reads the rejects topic from the beginning until the notice for eventId arrives, or null. */
    /** The SASL/SCRAM-SHA-512 login of this upstream's principal, from NETRA_KAFKA_USERNAME / NETRA_KAFKA_PASSWORD. */
    static void login(Properties props) {
        String user = System.getenv("NETRA_KAFKA_USERNAME");
        if (user == null || user.isEmpty()) {
            return;
        }
        String password = System.getenv().getOrDefault("NETRA_KAFKA_PASSWORD", "");
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user.replace("\"", "") + "\" password=\"" + password.replace("\"", "") + "\";");
    }

    static JsonNode waitForReject(String bootstrap, String rejects, String eventId, double timeoutS) throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        login(props);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(rejects)) {
                partitions.add(new TopicPartition(rejects, p.partition()));
            }
            // no consumer group: read access to the topic is all this needs (a real integration
            // would use a group and de-duplicate on the key, reject_id)
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + (long) (timeoutS * 1e9);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    JsonNode notice = JSON.readTree(record.value());
                    if (eventId.equals(notice.path("event_id").asText(null))) {
                        return notice;
                    }
                }
            }
            return null;
        }
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = System.getenv().getOrDefault("NETRA_KAFKA_BOOTSTRAP", "127.0.0.1:9092");
        String source = System.getenv().getOrDefault("NETRA_SOURCE", "bkpsdm:33.72");
        double timeoutS = Double.parseDouble(System.getenv().getOrDefault("NETRA_REJECT_TIMEOUT_S", "120"));
        String rejects = "rejects." + source.split(":", 2)[0]; // the part of source before the first ':'
        String run = UUID.randomUUID().toString().substring(0, 8);

        ObjectNode good = sanctionImposed(source, "800/" + run + "/1/BKPSDM/2024", 2);
        ObjectNode bad = sanctionImposed(source, "800/" + run + "/2/BKPSDM/2024", 99); // 99: no such sanction
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        login(props);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            send(producer, good);
            send(producer, bad);
        }
        String badId = bad.get("event_id").asText();
        System.out.println("sent valid event " + good.get("event_id").asText() + " and invalid event " + badId
                + " to " + TOPIC);

        JsonNode notice = waitForReject(bootstrap, rejects, badId, timeoutS);
        if (notice == null) {
            System.err.println("no reject for " + badId + " on " + rejects + " (is the pipeline running?)");
            System.exit(1);
        }
        List<String> reasons = new ArrayList<>();
        notice.path("reasons").forEach(r -> reasons.add(r.asText()));
        System.out.println("reject for " + badId + " on " + rejects + ": " + String.join(" ", reasons));
        for (JsonNode e : notice.path("explanations")) {
            System.out.println("  " + e.path("reason").asText() + ": " + e.path("meaning").asText() + " Fix: "
                    + e.path("fix").asText());
        }
    }
}
