package io.doppel.management.protocol;

import java.io.IOException;
import java.time.Instant;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

/** The one JSON configuration used on the wire and in {@code --json} output. */
public final class Json {

    /** Compact, with ISO-8601 instants; records map field by field. */
    public static final Gson GSON = builder().create();
    /** Indented, for people. */
    public static final Gson PRETTY = builder().setPrettyPrinting().create();

    private Json() {
    }

    private static GsonBuilder builder() {
        return new GsonBuilder().disableHtmlEscaping().serializeNulls()
                .registerTypeAdapter(Instant.class, new InstantAdapter().nullSafe());
    }

    private static final class InstantAdapter extends TypeAdapter<Instant> {
        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            out.value(value.toString());
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            if (in.peek() != JsonToken.STRING) {
                throw new IOException("expected an ISO-8601 instant");
            }
            return Instant.parse(in.nextString());
        }
    }
}
