package dev.rlhfloop.contracts;

import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for the event records through {@link Json}. Usable three ways: {@code JsonSerde.of(VoteEvent.class)}
 * in Kafka Streams; its {@link #serializer()} / {@link #deserializer()} handed to a plain producer or consumer;
 * or by class name in client properties, with {@link #KEY_TYPE_CONFIG} / {@link #VALUE_TYPE_CONFIG} naming the record.
 */
public final class JsonSerde<T> implements Serde<T> {
    /** Client property naming the record class a {@link JsonDeserializer} configured by class name reads as keys. */
    public static final String KEY_TYPE_CONFIG = "rlhf.json.key.type";
    /** Client property naming the record class a {@link JsonDeserializer} configured by class name reads as values. */
    public static final String VALUE_TYPE_CONFIG = "rlhf.json.value.type";

    private final JsonSerializer<T> serializer = new JsonSerializer<>();
    private final JsonDeserializer<T> deserializer;

    private JsonSerde(Class<T> type) {
        this.deserializer = new JsonDeserializer<>(type);
    }

    public static <T> JsonSerde<T> of(Class<T> type) {
        return new JsonSerde<>(type);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    public static final class JsonSerializer<T> implements Serializer<T> {
        @Override
        public byte[] serialize(String topic, T data) {
            return data == null ? null : Json.write(data);
        }
    }

    public static final class JsonDeserializer<T> implements Deserializer<T> {
        private Class<T> type;

        /** For clients configured by class name: the type comes from {@link #VALUE_TYPE_CONFIG} or {@link #KEY_TYPE_CONFIG}. */
        public JsonDeserializer() {}

        public JsonDeserializer(Class<T> type) {
            this.type = type;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void configure(Map<String, ?> configs, boolean isKey) {
            if (type != null) return;
            String key = isKey ? KEY_TYPE_CONFIG : VALUE_TYPE_CONFIG;
            Object name = configs.get(key);
            if (name == null) throw new IllegalArgumentException("JsonDeserializer needs " + key + " naming the record class");
            try {
                type = name instanceof Class<?> c ? (Class<T>) c : (Class<T>) Class.forName(name.toString());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException(key + " names an unknown class: " + name);
            }
        }

        @Override
        public T deserialize(String topic, byte[] data) {
            if (data == null) return null;
            if (type == null) throw new IllegalStateException("JsonDeserializer used before configure(): no record type");
            try {
                return Json.read(data, type);
            } catch (InvalidEventException e) {
                throw new SerializationException("unreadable record on " + topic + ": " + e.getMessage());
            }
        }
    }
}
