"""Ordered schema migrations. Append only: never edit a released step; PRAGMA user_version is the step reached."""

V1_FOUNDATION = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Exactly-once: an event id is recorded in the same transaction as everything its command changed.
    """CREATE TABLE handled_events (
        event_id TEXT PRIMARY KEY, room_id TEXT NOT NULL, handled_at TEXT NOT NULL)""",
    "CREATE TABLE user_prefs (user_id TEXT PRIMARY KEY, language TEXT NOT NULL)",
    # A user may have several direct chats with the bot; notices go to the newest.
    "CREATE TABLE dm_rooms (room_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX dm_rooms_by_user ON dm_rooms(user_id, created_at)",
    """CREATE TABLE intake_sessions (
        user_id TEXT PRIMARY KEY, room_id TEXT NOT NULL, fields TEXT NOT NULL, awaiting TEXT NOT NULL,
        started_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    """CREATE TABLE referrals (
        id TEXT PRIMARY KEY, referrer TEXT NOT NULL, referrer_org TEXT, fields TEXT NOT NULL,
        status TEXT NOT NULL, outcome_text TEXT, outcome_partner TEXT, triaged_by TEXT, triaged_at TEXT,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX referrals_by_referrer ON referrals(referrer, created_at)",
    "CREATE INDEX referrals_by_status ON referrals(status, created_at)",
    """CREATE TABLE cases (
        id TEXT PRIMARY KEY REFERENCES referrals(id), status TEXT NOT NULL, theme TEXT NOT NULL,
        municipality TEXT NOT NULL, room_id TEXT UNIQUE, procesregisseur TEXT NOT NULL, casusregisseur TEXT,
        created_at TEXT NOT NULL, closed_at TEXT)""",
    """CREATE TABLE case_partners (
        case_id TEXT NOT NULL REFERENCES cases(id), org_key TEXT NOT NULL, added_at TEXT NOT NULL,
        PRIMARY KEY (case_id, org_key))""",
    """CREATE TABLE case_members (
        case_id TEXT NOT NULL REFERENCES cases(id), user_id TEXT NOT NULL, role TEXT NOT NULL,
        org_key TEXT, added_at TEXT NOT NULL, PRIMARY KEY (case_id, user_id))""",
    "CREATE INDEX case_members_by_user ON case_members(user_id)",
    # Matrix side-effects, written in the same transaction as the change that needs them.
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        payload TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        not_before TEXT, last_error TEXT, result TEXT, created_at TEXT NOT NULL, done_at TEXT)""",
    "CREATE INDEX outbox_open ON outbox(state, id) WHERE state IN ('pending', 'attempted')",
    # Append-only audit trail; each entry carries the hash of the one before it.
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        case_id TEXT, purpose TEXT, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    "CREATE INDEX audit_by_case ON audit_log(case_id, id)",
]

V2_ACTIONS_AND_SCHEDULE = [
    # Action items, numbered per case; the owner is a person or a partner organisation (then its contacts).
    """CREATE TABLE actions (
        case_id TEXT NOT NULL REFERENCES cases(id), number INTEGER NOT NULL, text TEXT NOT NULL,
        owner_user TEXT, owner_org TEXT, due_date TEXT, status TEXT NOT NULL, created_by TEXT NOT NULL,
        created_at TEXT NOT NULL, closed_by TEXT, closed_at TEXT, close_note TEXT,
        PRIMARY KEY (case_id, number), CHECK ((owner_user IS NULL) <> (owner_org IS NULL)))""",
    "CREATE INDEX actions_open ON actions(status, due_date)",
    # Who changed what and why: postponements keep the old date and the reason.
    """CREATE TABLE action_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, number INTEGER NOT NULL, at TEXT NOT NULL,
        actor TEXT NOT NULL, change TEXT NOT NULL, detail TEXT NOT NULL)""",
    "CREATE INDEX action_history_by_action ON action_history(case_id, number, id)",
    # Reminders set with !herinner: in a case room (numbered per case) or a DM (numbered per user).
    """CREATE TABLE reminders (
        id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, number INTEGER NOT NULL, case_id TEXT,
        room_id TEXT, owner TEXT NOT NULL, text TEXT NOT NULL, recurrence TEXT, status TEXT NOT NULL,
        created_at TEXT NOT NULL, UNIQUE (scope, number))""",
    # Everything that must happen at a moment. Storage is the queue; the in-memory scheduler only wakes up
    # for the earliest pending row. A row is fired in the same transaction as the messages it causes.
    """CREATE TABLE schedule (
        id INTEGER PRIMARY KEY AUTOINCREMENT, due_at TEXT NOT NULL, kind TEXT NOT NULL, case_id TEXT,
        ref INTEGER, state TEXT NOT NULL DEFAULT 'pending', fired_at TEXT, created_at TEXT NOT NULL)""",
    "CREATE INDEX schedule_pending ON schedule(due_at) WHERE state = 'pending'",
    "CREATE INDEX schedule_by_ref ON schedule(ref, kind) WHERE state = 'pending'",
    # Which of the bot's messages was what (a reminder, so that a reply `!later` knows what to snooze).
    "CREATE TABLE sent_tags (event_id TEXT PRIMARY KEY, tag TEXT NOT NULL)",
]

V3_RETENTION = [
    # What remains of a case after its retention term: that it existed, and when. Nothing else.
    """CREATE TABLE deletions (
        case_id TEXT PRIMARY KEY, opened_at TEXT NOT NULL, closed_at TEXT, deleted_at TEXT NOT NULL)""",
    "CREATE INDEX cases_closed ON cases(status, closed_at)",
    "ALTER TABLE cases ADD COLUMN close_reason TEXT",
]

V4_MEETINGS = [
    # Case meetings (overleg), numbered per case; times in UTC, shown in the configured zone.
    """CREATE TABLE meetings (
        case_id TEXT NOT NULL REFERENCES cases(id), number INTEGER NOT NULL, starts_at TEXT NOT NULL,
        minutes INTEGER NOT NULL, place TEXT, status TEXT NOT NULL, sequence INTEGER NOT NULL DEFAULT 0,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, cancel_reason TEXT, PRIMARY KEY (case_id, number))""",
    "CREATE INDEX meetings_upcoming ON meetings(status, starts_at)",
]

V5_PLAN_AND_ARCHIVE = [
    # The one shared plan of a case: goals per life domain and interventions per partner, a version that goes up
    # with every change, and which organisations agreed to which version.
    """CREATE TABLE plan_items (
        case_id TEXT NOT NULL REFERENCES cases(id), number INTEGER NOT NULL, kind TEXT NOT NULL, domain TEXT,
        measure TEXT, partner TEXT, goal INTEGER, text TEXT NOT NULL, created_by TEXT NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (case_id, number))""",
    """CREATE TABLE plans (
        case_id TEXT PRIMARY KEY REFERENCES cases(id), version INTEGER NOT NULL, review_date TEXT,
        adopted_version INTEGER)""",
    """CREATE TABLE plan_agreements (
        case_id TEXT NOT NULL, version INTEGER NOT NULL, org TEXT NOT NULL, user_id TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (case_id, version, org))""",
    # Adopted documents, unchangeable: the database itself refuses edits; only retention may remove them, after
    # the case's deletion record is written.
    """CREATE TABLE archive (
        id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, kind TEXT NOT NULL, version INTEGER,
        title TEXT NOT NULL, content BLOB NOT NULL, sha256 TEXT NOT NULL, created_by TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX archive_by_case ON archive(case_id, id)",
    """CREATE TRIGGER archive_unchangeable BEFORE UPDATE ON archive
        BEGIN SELECT RAISE(ABORT, 'archived documents cannot be changed'); END""",
    """CREATE TRIGGER archive_kept BEFORE DELETE ON archive
        WHEN NOT EXISTS (SELECT 1 FROM deletions WHERE case_id = OLD.case_id)
        BEGIN SELECT RAISE(ABORT, 'archived documents are kept until the retention term ends'); END""",
]

V6_WAITING_FOR_KEYS = [
    # Encrypted events whose room key has not arrived yet: kept (ciphertext only) until it does or the wait ends.
    """CREATE TABLE undecrypted (
        event_id TEXT PRIMARY KEY, room_id TEXT NOT NULL, source TEXT NOT NULL, seen_at TEXT NOT NULL,
        give_up_at TEXT NOT NULL)""",
]

V7_ATTENDANCE = [
    # Who comes to a table: each member's answer (yes/no/maybe), possibly on behalf of an organisation.
    """CREATE TABLE meeting_attendance (
        case_id TEXT NOT NULL, number INTEGER NOT NULL, user_id TEXT NOT NULL, answer TEXT NOT NULL,
        org_key TEXT, at TEXT NOT NULL, PRIMARY KEY (case_id, number, user_id))""",
]

V8_DECISIONS = [
    # Decisions taken in a case, numbered per case, linked to the meeting they were taken at (if any).
    """CREATE TABLE decisions (
        case_id TEXT NOT NULL, number INTEGER NOT NULL, meeting_number INTEGER, text TEXT NOT NULL,
        decided_by TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (case_id, number))""",
]

V9_TABLES = [
    # The type of table; a series shares the number of its first occurrence and its weekly rule, and each
    # occurrence keeps the moment it was planned at (the calendar's RECURRENCE-ID) when it is moved.
    "ALTER TABLE meetings ADD COLUMN kind TEXT",
    "ALTER TABLE meetings ADD COLUMN series INTEGER",
    "ALTER TABLE meetings ADD COLUMN series_rule TEXT",
    "ALTER TABLE meetings ADD COLUMN original_start TEXT",
    # Set when the minutes are adopted (the document itself is in the archive).
    "ALTER TABLE meetings ADD COLUMN minutes_sha256 TEXT",
    """CREATE TABLE meeting_agenda (
        case_id TEXT NOT NULL, meeting_number INTEGER NOT NULL, number INTEGER NOT NULL, text TEXT NOT NULL,
        added_by TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (case_id, meeting_number, number))""",
    # The meeting an action was agreed at, for the minutes.
    "ALTER TABLE actions ADD COLUMN meeting_number INTEGER",
]

V10_CLOSURE = [
    # A step that waits for the person's `ja` in that room (closing a case), until it expires.
    """CREATE TABLE confirmations (
        room_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
        expires_at TEXT NOT NULL, PRIMARY KEY (room_id, user_id))""",
    # The closure reason is a key from a fixed list (for the figures); what the procesregisseur added is kept apart.
    "ALTER TABLE cases ADD COLUMN close_note TEXT",
    "ALTER TABLE cases ADD COLUMN monitoring_until TEXT",
]

V11_ZRM = [
    # Self-reliance scores (ZRM, 1 = acute to 5 = self-reliant) per life domain, with who and when, and the moment
    # they belong to: the start, an evaluation (then the evaluation date it was for) or closure. Every score given
    # is kept; per domain and moment the latest counts.
    """CREATE TABLE zrm_scores (
        id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, domain TEXT NOT NULL,
        score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
        moment TEXT NOT NULL CHECK (moment IN ('start', 'evaluation', 'closure')), review_date TEXT,
        scored_by TEXT NOT NULL, scored_at TEXT NOT NULL)""",
    "CREATE INDEX zrm_scores_by_case ON zrm_scores(case_id, domain, id)",
]

V12_BRIEFS = [
    # When a member was brought up to date: those in the case when its room was made read the welcome; anyone
    # invited later (who sees nothing from before their invite) gets a brief on joining.
    "ALTER TABLE case_members ADD COLUMN briefed_at TEXT",
]

V13_STATEMENTS = [
    # Incidental partners accept the confidentiality statement (by its hash: a changed text asks again) before
    # they are invited to a case; until then their invitation waits.
    """CREATE TABLE statement_acceptances (
        user_id TEXT NOT NULL, sha256 TEXT NOT NULL, accepted_at TEXT NOT NULL, PRIMARY KEY (user_id, sha256))""",
    """CREATE TABLE pending_invites (
        case_id TEXT NOT NULL, user_id TEXT NOT NULL, org_key TEXT NOT NULL, asked_at TEXT NOT NULL,
        PRIMARY KEY (case_id, user_id))""",
]

V14_APPROACH = [
    # How a case is approached: around a person, a system (a family or group: one plan), or an area. Cases made
    # before are about a person. For an area, its neighbourhood (its municipality is the case's).
    "ALTER TABLE cases ADD COLUMN approach TEXT NOT NULL DEFAULT 'person'",
    "ALTER TABLE cases ADD COLUMN area TEXT",
    # A goal may be for one person of a system: their place (from 1) among the referral's persons concerned.
    "ALTER TABLE plan_items ADD COLUMN person INTEGER",
]

V15_FIGURES = [
    # What the figures keep of a referral (and its case) when retention deletes it: no number, no initials, no
    # names, no free text; days (local dates) rather than moments; the person concerned and the procesregisseur
    # only as keyed pseudonyms (never shown), so that re-referrals and caseloads of past years still count.
    """CREATE TABLE figure_records (
        id INTEGER PRIMARY KEY AUTOINCREMENT, filed_on TEXT NOT NULL, triaged_on TEXT, outcome TEXT NOT NULL,
        municipality TEXT, theme TEXT, urgency TEXT, referrer_org TEXT, domains TEXT NOT NULL,
        asked_after_filing INTEGER NOT NULL DEFAULT 0, person_keys TEXT NOT NULL,
        opened_on TEXT, first_table_on TEXT, plan_adopted_on TEXT, closed_on TEXT, close_reason TEXT,
        lead_key TEXT, zrm TEXT NOT NULL DEFAULT '{}', tables TEXT NOT NULL DEFAULT '[]',
        actions TEXT NOT NULL DEFAULT '[]')""",
    "CREATE INDEX figure_records_by_filing ON figure_records(filed_on)",
    # How many fields were asked of the referrer after filing (a referral complete at triage has none).
    "ALTER TABLE referrals ADD COLUMN asked_after_filing INTEGER NOT NULL DEFAULT 0",
    # The figures read referrals, cases and actions by period.
    "CREATE INDEX referrals_by_filing ON referrals(created_at)",
    "CREATE INDEX cases_by_opening ON cases(created_at)",
    "CREATE INDEX actions_by_due ON actions(due_date)",
]

V16_LANES = [
    # Independent effects run side by side: each outbox item names its lane (a room, a person's direct chat, one
    # invitation, room creation); within a lane the order is kept. Items from before have none: one lane.
    "ALTER TABLE outbox ADD COLUMN lane TEXT",
]

V17_ROOM_SERVERS = [
    # The homeservers that held a purged case's room (a JSON list of server names): a homeserver deletes its own
    # copy of a room only, so the deletion record says which partners' servers keep theirs.
    "ALTER TABLE deletions ADD COLUMN servers TEXT",
]

V18_DESK = [
    # Consultation questions to the expertise desk, numbered V-<YYYY>-<NNNN>: anonymous (checked for personal
    # details before they are stored), from one professional (the asker, who alone with the staff sees them).
    # waiting_since: when the asker last asked (the question or a follow-up) and no answer came since; NULL when
    # answered. referral_id: the referral it became, once filed.
    """CREATE TABLE questions (
        id TEXT PRIMARY KEY, asker TEXT NOT NULL, asker_org TEXT, theme TEXT, municipality TEXT,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')), waiting_since TEXT, created_at TEXT NOT NULL,
        first_answer_at TEXT, last_activity_at TEXT NOT NULL, closed_at TEXT, referral_id TEXT)""",
    "CREATE INDEX questions_waiting ON questions(status, waiting_since)",
    "CREATE INDEX questions_by_asker ON questions(asker, created_at)",
    # The conversation: the question, the staff's answers and the asker's follow-ups, in order.
    """CREATE TABLE question_messages (
        question_id TEXT NOT NULL REFERENCES questions(id), number INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('question', 'answer', 'followup')), author TEXT NOT NULL,
        text TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (question_id, number))""",
    # Saved advice: a question and its answer without anything that identifies a person (checked again when
    # saved), kept beyond the questions' retention term; no link to the question or the people.
    """CREATE TABLE knowledge (
        id INTEGER PRIMARY KEY AUTOINCREMENT, theme TEXT, question TEXT NOT NULL, answer TEXT NOT NULL,
        saved_at TEXT NOT NULL)""",
    # A referral draft made from a question (`!vraag <nr> melding`): the question it came from.
    "ALTER TABLE intake_sessions ADD COLUMN question_id TEXT",
]

V19_ARRANGEMENTS = [
    # A light arrangement (afstemming) is a case row of kind 'arrangement': a short-lived room with the referrer and
    # one to three partners, under the case rooms' rules (members, removal, retention). The kind is the marker the
    # figures count by; an arrangement escalated to a full case becomes kind 'case' in place and keeps the moment
    # it did (arrangement_escalated_at), so both counts stay right. Its term ends on term_ends (a local date), which
    # the procesregisseur may move once (term_extended).
    "ALTER TABLE cases ADD COLUMN kind TEXT NOT NULL DEFAULT 'case' CHECK (kind IN ('case', 'arrangement'))",
    "ALTER TABLE cases ADD COLUMN term_ends TEXT",
    "ALTER TABLE cases ADD COLUMN term_extended INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE cases ADD COLUMN arrangement_escalated_at TEXT",
    "CREATE INDEX cases_by_kind ON cases(kind, created_at)",
    # What was arranged, numbered per arrangement: who does what, and (by when) the action it became.
    """CREATE TABLE arrangements (
        case_id TEXT NOT NULL REFERENCES cases(id), number INTEGER NOT NULL, text TEXT NOT NULL, owner_user TEXT,
        owner_org TEXT, action_number INTEGER, made_by TEXT NOT NULL, made_at TEXT NOT NULL,
        PRIMARY KEY (case_id, number))""",
    # The deletion record keeps whether it was an arrangement, so figures over deleted years still count apart.
    "ALTER TABLE deletions ADD COLUMN kind TEXT",
]

V20_DESK_FIGURES = [
    # What the figures keep of a purged case that began as a light arrangement: its kind at the end ('case' or
    # 'arrangement') and the day it was escalated to a full case, so arrangements still count apart from cases.
    "ALTER TABLE figure_records ADD COLUMN kind TEXT NOT NULL DEFAULT 'case'",
    "ALTER TABLE figure_records ADD COLUMN escalated_on TEXT",
    # What the figures keep of a consultation question deleted after its retention term: its day, the day of its
    # first answer and the hours it waited for it, the asker's organisation (a partner key), theme, municipality.
    # No number, no asker, no text.
    """CREATE TABLE question_records (
        id INTEGER PRIMARY KEY AUTOINCREMENT, asked_on TEXT NOT NULL, answered_on TEXT, answer_hours REAL,
        asker_org TEXT, theme TEXT, municipality TEXT)""",
    "CREATE INDEX question_records_by_day ON question_records(asked_on)",
    # The figures read questions by the moment they were asked and first answered.
    "CREATE INDEX questions_by_asking ON questions(created_at)",
]

MIGRATIONS: list[tuple[str, list[str]]] = [
    ("foundation: referrals, cases, outbox, exactly-once bookkeeping, audit log", V1_FOUNDATION),
    ("actions, reminders and the schedule", V2_ACTIONS_AND_SCHEDULE),
    ("retention: deletion records", V3_RETENTION),
    ("meetings", V4_MEETINGS),
    ("the plan and the archive", V5_PLAN_AND_ARCHIVE),
    ("encrypted events waiting for their key", V6_WAITING_FOR_KEYS),
    ("attendance at meetings", V7_ATTENDANCE),
    ("decisions", V8_DECISIONS),
    ("types of table, series, agenda points, minutes, actions agreed at a meeting", V9_TABLES),
    ("closure: confirmations, closure notes, monitoring", V10_CLOSURE),
    ("self-reliance (ZRM) scores per life domain", V11_ZRM),
    ("briefs for members who join later", V12_BRIEFS),
    ("confidentiality statements of incidental partners", V13_STATEMENTS),
    ("approach: person, system or area; goals for one person of a system", V14_APPROACH),
    ("management figures: anonymised records kept at purge, completeness, period indexes", V15_FIGURES),
    ("outbox lanes", V16_LANES),
    ("the servers that held a purged case's room", V17_ROOM_SERVERS),
    ("the expertise desk: questions, their conversation, saved knowledge", V18_DESK),
    ("light arrangements: the kind of a case, its term, what was arranged", V19_ARRANGEMENTS),
    ("the desk's figures: arrangements apart in the kept records, records kept of deleted questions", V20_DESK_FIGURES),
]
