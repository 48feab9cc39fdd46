"""The skill's one vocabulary: intent, slot, session-key and permission names.

Every module, the interaction-model source and the tests import these, so a rename
happens in one place and the model-handler test catches any side that did not follow.
`StrEnum` members are plain strings: they compare equal to what Alexa sends and
serialize as themselves.
"""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """Every intent in the interaction model, custom and built-in."""

    WHAT_IS = "WhatIsIntent"
    WHY_GLYCINATE = "WhyGlycinateIntent"
    BENEFITS = "BenefitsIntent"
    BENEFIT_DETAIL = "BenefitDetailIntent"
    FORMS = "FormsIntent"
    DOSAGE = "DosageIntent"
    TIMING = "TimingIntent"
    HYDRATION = "HydrationIntent"
    SAFETY = "SafetyIntent"
    SUMMARY = "SummaryIntent"
    CAUSES = "CausesIntent"
    NATURAL = "NaturalIntent"
    MAGNESIUM_ROLE = "MagnesiumRoleIntent"
    EVERY_NIGHT = "EveryNightIntent"
    RELAX = "RelaxIntent"
    # What the article does not say: named honestly, pointed to a professional.
    SIDE_EFFECTS = "SideEffectsIntent"
    CHILDREN = "ChildrenIntent"
    PREGNANCY = "PregnancyIntent"
    INTERACTIONS = "InteractionsIntent"
    TOO_MUCH = "TooMuchIntent"
    HOW_SOON = "HowSoonIntent"
    HOW_LONG = "HowLongToTakeIntent"
    WHERE_TO_BUY = "WhereToBuyIntent"
    HEALTH_CONCERN = "HealthConcernIntent"  # the safety net: symptoms, conditions, too much taken
    EMERGENCY = "EmergencyIntent"  # urgent: breathing, chest pain, a child swallowing pills
    AMOUNT = "AmountIntent"  # "is {amount} {unit} too much": a specific amount asked about
    AMOUNT_TAKEN = "AmountTakenIntent"  # "i took {amount} {unit}": a specific amount taken
    EXTRA_DOSE = "ExtraDoseIntent"  # "should i take another one", "can i double the dose"
    TOPIC = "TopicIntent"  # "tell me about {topic}": any article answer, by its topic id
    SOURCE = "SourceIntent"  # "where does it say that?"
    QUIET_VOICE = "QuietVoiceIntent"
    NORMAL_VOICE = "NormalVoiceIntent"
    FORGET_ME = "ForgetMeIntent"
    SET_REMINDER = "SetReminderIntent"
    REMINDER_STATUS = "ReminderStatusIntent"
    CANCEL_REMINDER = "CancelReminderIntent"
    YES = "AMAZON.YesIntent"
    NO = "AMAZON.NoIntent"
    MORE = "AMAZON.MoreIntent"
    REPEAT = "AMAZON.RepeatIntent"
    HELP = "AMAZON.HelpIntent"
    STOP = "AMAZON.StopIntent"
    CANCEL = "AMAZON.CancelIntent"
    START_OVER = "AMAZON.StartOverIntent"
    NAVIGATE_HOME = "AMAZON.NavigateHomeIntent"
    FALLBACK = "AMAZON.FallbackIntent"


class Slot(StrEnum):
    """Slot names, as declared on their intents."""

    BENEFIT = "benefit"  # BenefitDetailIntent
    TIME = "time"  # SetReminderIntent: an explicit reminder time
    BEDTIME = "bedtime"  # SetReminderIntent: the listener's bedtime
    TOPIC = "topic"  # TopicIntent: TopicType, whose ids are content topics
    CONDITION = "condition"  # HealthConcernIntent: ConditionType
    AMOUNT = "amount"  # AmountIntent, AmountTakenIntent: AMAZON.NUMBER
    UNIT = "unit"  # AmountIntent, AmountTakenIntent: DoseUnitType
    PERSON = "person"  # EmergencyIntent: PersonType (child, adult) who swallowed something
    PILLS = "pills"  # EmergencyIntent: PillsType, what was swallowed
    SYMPTOM = "symptom"  # EmergencyIntent: SymptomType, what is happening ("can't breathe")
    BODY = "body"  # EmergencyIntent: BodyType, what "my ..." is doing ("chest hurts")
    AILMENT = "ailment"  # HealthConcernIntent: AilmentType, how the listener feels
    ACHE = "ache"  # HealthConcernIntent: AcheType, what hurts ("leg hurts")
    HAVE = "have"  # HealthConcernIntent: HaveType, the verb before a condition ("i'm on")
    CHECK = "check"  # HealthConcernIntent: CheckType, its question ("can i take it")
    LEAD = "lead"  # many intents: LeadType, an opener ("can you tell me"); the runtime ignores it
    TAIL = "tail"  # many intents: TailType, a closing word ("please", "mate"); ignored too


class Benefit(StrEnum):
    """BenefitType slot value ids; each is also a content topic."""

    MUSCLE_RELAXATION = "muscle_relaxation"
    SLEEP_QUALITY = "sleep_quality"
    STRESS_ANXIETY = "stress_anxiety"
    NERVE_FUNCTION = "nerve_function"


class Condition(StrEnum):
    """ConditionType slot value ids: what a health statement is about."""

    PREGNANCY = "pregnancy"
    BREASTFEEDING = "breastfeeding"
    MEDICATION = "medication"
    KIDNEY = "kidney"
    HEART = "heart"
    DIABETES = "diabetes"
    OTHER = "other"


class DoseUnit(StrEnum):
    """DoseUnitType slot value ids: the unit an amount was said in."""

    MILLIGRAMS = "milligrams"
    GRAMS = "grams"
    PILLS = "pills"
    TABLETS = "tablets"
    CAPSULES = "capsules"


class RequestType(StrEnum):
    """The request types the skill answers."""

    LAUNCH = "LaunchRequest"
    INTENT = "IntentRequest"
    SESSION_ENDED = "SessionEndedRequest"
    CONNECTIONS_RESPONSE = "Connections.Response"
    CAN_FULFILL = "CanFulfillIntentRequest"  # name-free: "could this skill answer that?"
    SKILL_DISABLED = "AlexaSkillEvent.SkillDisabled"  # the listener disabled the skill


class SessionKey(StrEnum):
    """Session attribute keys; `skill.turn.Session` is their typed view (plain JSON values)."""

    LAST_TOPIC = "last_topic"
    OFFERED_TOPIC = "offered_topic"
    PENDING = "pending"  # a Pending action waiting for yes/no
    LAST_REPLY = "last_reply"  # [reprompt, *speech] of the last reply that kept listening
    VOICE = "voice"
    RETURNING = "returning"
    ONE_SHOT = "one_shot"  # a one-shot question waiting for a follow-up answer
    UNSAVED = "unsaved"  # the visit and topics this session has not written yet
    HEARD = "heard"  # topics heard tonight, in this session
    HEARD_BEFORE = "heard_before"  # topics a returning listener heard on earlier nights
    LAST_PART = "last_part"  # "more" when the last topic's follow-up was said, else absent
    MISSES = "misses"  # consecutive turns the skill did not understand
    ELICITING = "eliciting"  # "<intent>.<slot>" Alexa listens for next, while it does
    REMINDER_PLAN = "reminder_plan"  # ["HH:MM" reminder, "HH:MM" bedtime?] awaiting yes/no
    DAY_PART = "day_part"  # "EV"/"NI"/"MO"/"AF": the part of day a vague bedtime named
    HEALTH_POINTER_SAID = "health_pointer_said"  # a miss gave the health pointer tonight
    NEARNESS = "nearness"  # a `Bedtime`: how near the stored bedtime is tonight (checked once)


class Pending(StrEnum):
    """Actions that wait for the listener's yes or no."""

    FORGET = "forget"
    CANCEL_REMINDER = "cancel_reminder"
    EVENING = "evening"  # "Shall I?" on a bedtime taken as evening ("ten thirty": 10:30 PM)
    SET_REMINDER = "set_reminder"  # "I'll remind you every night at 9:45 PM ... Shall I?"


class Bedtime(StrEnum):
    """How near the listener's stored bedtime is, checked once a session."""

    FAR = "far"  # no stored bedtime, no device clock, or more than half an hour away
    NEAR = "near"  # within half an hour, or past: say less
    SAID = "said"  # near, and "I'll keep it short" has been said tonight


class Voice(StrEnum):
    """The listener's voice preference."""

    NORMAL = "normal"
    QUIET = "quiet"


#: The permission scope a skill needs to create, read and delete its reminders.
REMINDER_PERMISSION = "alexa::alerts:reminders:skill:readwrite"

#: The Connections task that asks for a permission by voice; Alexa answers with a
#: Connections.Response of the same name.
ASK_FOR_TASK = "AskFor"
