package dev.tally.core;

import java.util.List;

/**
 * The audit event of a forget ({@link EventStore#forget}): the data keys of these subjects were
 * destroyed, so their sealed personal fields no longer open anywhere. Like the replay event,
 * reducers never see it: the state stays as it is, the version moves on, and every projector
 * receives the aggregate again (its views are refreshed).
 *
 * @param subjects the data subjects whose keys were destroyed (ids, never personal values)
 */
public record PersonalDataForgotten(List<String> subjects) {
    public static final String TYPE_NAME = "tally.PersonalDataForgotten";
    public static final EventType<PersonalDataForgotten> TYPE = EventType.reserved(TYPE_NAME,
            PersonalDataForgotten.class);

    public PersonalDataForgotten {
        subjects = subjects == null ? List.of() : List.copyOf(subjects);
    }
}
