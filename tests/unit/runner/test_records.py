"""list_images' records, built from the modules' registered results."""
from __future__ import annotations

from lacrei_rollback.records import Image, images_of

SHA_A, SHA_B, SHA_C = "a" * 40, "b" * 40, "c" * 40


def test_images_mark_the_running_one_and_what_ran():
    ecr = {"images": [{"tags": [SHA_A, "v1.3.0"], "digest": "sha256:a", "pushed_at": "t3", "size_bytes": 9},
                      {"tags": [SHA_B, "v1.2.0"], "digest": "sha256:b", "pushed_at": "t2"},
                      {"tags": ["untagged-build"], "digest": "sha256:c", "pushed_at": "t1"}]}
    history = {"current": {"digest": "sha256:b"}, "releases": [{"digest": "sha256:b"}], "excluded": [{"digest": "sha256:a"}]}
    images = images_of("svc", ecr, history)
    assert images[0] == Image("svc", SHA_A, (SHA_A, "v1.3.0"), "sha256:a", "t3", running=False, ran="failed")
    assert images[1].running and images[1].ran == "ok" and images[1].versions == ("v1.2.0",)
    assert images[2].sha is None and images[2].ran is None


def test_images_without_history():
    assert images_of("svc", {"images": [{"tags": [SHA_C], "digest": "d", "pushed_at": "t"}]}, None)[0].running is False
    assert images_of("svc", {}, {}) == []


def test_migrations_per_app_in_graph_order():
    from lacrei_rollback.records import Migration, migrations_of

    info = {"migrations": {"professionals": [{"name": "0001_initial", "applied": True},
                                             {"name": "0002_specialty", "applied": False}],
                           "auth": [{"name": "0001_initial", "applied": True}]}}
    found = migrations_of("svc", info)
    assert list(found) == ["auth", "professionals"]
    assert found["professionals"] == [Migration("svc", "professionals", "0001_initial", True),
                                      Migration("svc", "professionals", "0002_specialty", False)]
    assert found["professionals"][1].line() == "professionals [ ] 0002_specialty"
    assert migrations_of("svc", {}) == {}


def test_backups_keep_the_manifest_facts():
    from lacrei_rollback.records import backups_of

    info = {"backups": [{"backup_path": "/b/new.dump", "database": "db", "format": "custom", "size": 10,
                         "created_at": "2026-01-02T00:00:00+00:00", "image": "registry/repo:" + SHA_A, "verified": True,
                         "migrations": {"professionals": ["0001_initial", "0002_x"]}, "manifest_path": "/b/m.json"},
                        {"backup_path": "/b/hand.sql", "database": None, "format": "plain", "size": 5,
                         "created_at": "2026-01-01T00:00:00+00:00", "problem": "no manifest"}]}
    newest, hand_made = backups_of("svc", info)
    assert (newest.backup_path, newest.verified, newest.manifest_path) == ("/b/new.dump", True, "/b/m.json")
    assert newest.line().split() == ["2026-01-02T00:00:00+00:00", "/b/new.dump", "custom", "10", SHA_A[:12], "ok",
                                     "professionals:0002_x"]
    assert hand_made.verified is None and hand_made.problem == "no manifest" and hand_made.line().endswith("-  -")


def test_config_snapshots_masked_as_given():
    from lacrei_rollback.records import snapshots_of

    info = {"snapshots": [{"version": "4", "name": "/lacrei-rollback/svc/config/4", "taken_at": "t4",
                           "trigger": "before-config-rollback", "reason": "r", "rolled_back_from": True,
                           "image_tag": "abc1234", "environment_variables": {"LOG_LEVEL": "INFO", "API_KEY": "********"},
                           "environment_secret_names": ["DATABASE_URL"]}]}
    (snapshot,) = snapshots_of("svc", info)
    assert snapshot.version == 4 and snapshot.rolled_back_from and snapshot.environment_secret_names == ("DATABASE_URL",)
    assert "(rolled back from)" in snapshot.line() and "API_KEY=********" in snapshot.line()
    assert snapshots_of("svc", {"snapshots": []}) == []
