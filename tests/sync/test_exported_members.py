import sync


def test_exported_members() -> None:
    assert sync.__all__ == sorted(sync.__all__)
    assert all(hasattr(sync, name) for name in sync.__all__)
    assert set(sync.__all__) == {
        "MIN_TEAM_SIZE", "Entity", "EntityStatus", "InspectionItem", "InspectionMethod", "Inspector",
        "ItemResult", "Outcome", "Plan", "Problem", "RiskGrade", "SyncError", "Task",
        "ValidationError", "ZscError", "check_character", "credit_code_problem", "make_credit_code",
        "parse_ratio", "validate_credit_code",
        # every ending of a finding (issue 27 point 3)
        "DETAIL_LABELS", "DISPOSAL_HINTS", "MAX_DETAIL_LENGTH", "Disposal", "disposal_problem",
        # the office half (issue 26): departments by level, staff kinds, the scheme, batches
        "Department", "DepartmentLevel", "PlanLevel", "Scheme", "StaffKind", "MAX_BATCHES",
        # the record contract (DESIGN §4)
        "MAX_NOTE_LENGTH", "MAX_PHOTO_PIXELS", "RECORD_VERSION", "Location", "LocationSource", "Record", "RecordItem",
        "check_items_answered", "new_record_id", "photo_hashes", "validate_record",
        "MAX_JSON_DEPTH", "b64url_decode", "b64url_encode", "canonical_bytes", "check_json_shape",
        "is_sha256_hex", "parse_json",
        "parse_rfc3339", "record_hash",
        "Envelope", "SignatureError", "generate_key", "load_private_key", "load_public_key", "make_token",
        "private_key_bytes", "public_key_b64", "read_token", "sign_record", "token_is_current",
        "verify_envelope", "verify_envelope_hashed",
        "ChainHead", "ChainStatus", "ChainVerdict", "check_chain", "describe_seqs", "find_gaps",
        # the 现场检查笔录 (issue 14): the enterprise's part, and the paper
        "Acknowledgement", "AcknowledgementKind", "MAX_SIGNATURE_BYTES", "Notice", "TeamMember",
        "Witness", "signature_png_problem", "RecordSheet", "check_url", "render_record_pdf", "china_time",
        # how each item was checked and lab testing (issue 27 points 1 and 2, record format 4)
        "ANSWERS", "BOUND_VERSION", "LabTest", "OnlineCheck", "is_off_site", "url_problem",
        "MAX_PDF_PAGES", "is_pdf", "pdf_problem", "LabReport", "LabReportLine",
        # an acknowledgement bound to what it was given on (issue 24 point 2, record format 3)
        "CONTENT_KEYS", "acknowledges_content", "bind_acknowledgement", "content_hash",
        # states and roles, one name each
        "RecordState", "RESULT_STATES", "Role", "OutboxState",
        # one word per state (issue 24 point 6): the label tables
        "RECORD_STATE_LABELS", "OUTBOX_STATE_LABELS", "ROLE_LABELS", "SUPERSEDED", "SUPERSEDED_LABEL",
        "state_label", "role_label",
        # the publication log (DESIGN §10)
        "EMPTY_ROOT", "MerkleTree", "TreeHead", "consistency_proof", "entry_leaf_hash", "extend_frontier",
        "frontier_root", "hex_hashes", "inclusion_proof", "leaf_hash", "node_hash", "parse_hashes",
        "read_tree_head", "tree_root", "verify_consistency", "verify_inclusion",
        # the sync engine (DESIGN §5, client side)
        "AuthError", "Outbox", "PendingRequest", "Progress", "PushResult", "RetryPolicy", "SyncEngine",
        "TransportError",
        # what an error answer says, read one way (issue 25 point 4)
        "PlatformRefusal", "platform_refusal",
        # the answers' shapes, typed once for both sides (issue 25 point 3)
        "FollowUp", "HistoryEntry", "TaskEntity", "TaskItem", "TaskJson", "TaskRecord", "TeamMemberJson",
        "read_tasks", "QueueEntry", "read_queue", "ContentConfirmation", "FeedbackLine",
        "ReturnedRecord", "ReviewDetail", "ReviewEntity", "ReviewState", "RevisionLine",
        "SignatureCheck", "read_review_detail",
        # the year on one screen (issue 26 point 8)
        "YearOverview", "YearRow", "read_year_overview",
        # a partner department's answer on its supervisor's phone
        "PartnerRequest", "PartnerRequestItem", "PartnerRequests", "StaffMember", "read_partner_requests",
    }


def test_sync_imports_neither_side() -> None:
    import pathlib
    import re

    for path in pathlib.Path(sync.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(app|server_stub)\b", text, re.MULTILINE), path


def test_error_tree() -> None:
    assert issubclass(sync.ValidationError, sync.ZscError)
    assert issubclass(sync.SyncError, sync.ZscError)
    assert issubclass(sync.SignatureError, sync.SyncError)
    assert not issubclass(sync.SignatureError, sync.ValidationError)
    assert issubclass(sync.TransportError, sync.SyncError)
    assert issubclass(sync.AuthError, sync.SyncError)


def test_pure_modules_import_no_io_library() -> None:
    """The model and the record contract are pure; only the sync engine will talk HTTP."""
    import pathlib
    import re

    package = pathlib.Path(sync.__file__).parent
    pattern = r"^\s*(from|import)\s+(flet|httpx|sqlite3|sqlite_utils|sqlalchemy|psycopg)\b"
    for name in ("_canonical", "_chain", "_credit_code", "_exceptions", "_merkle", "_model",
                 "_record", "_signing"):
        text = (package / f"{name}.py").read_text(encoding="utf-8")
        assert not re.search(pattern, text, re.MULTILINE), name
