"""tkn's ``-w`` values (``pkg/workspaces``), parsed as tkn parses them, with its
messages (some cases are tkn's own ``workspaces_test.go``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest

from tektite.cli.common import load_yaml_file
from tektite.cli.workspace_flag import WorkspaceFlagError, merge, parse


def no_file(path: str) -> Any:
    raise AssertionError(f"no file should be read, not {path}")


@pytest.mark.parametrize(
    ("value", "binding"),
    [
        ("name=ws,emptyDir=", {"name": "ws", "emptyDir": {}}),
        ("name=ws,emptyDir=Memory", {"name": "ws", "emptyDir": {"medium": "Memory"}}),
        (
            "name=ws,claimName=pvc,subPath=dir",
            {"name": "ws", "subPath": "dir", "persistentVolumeClaim": {"claimName": "pvc"}},
        ),
        ("name=ws,config=cm", {"name": "ws", "configMap": {"name": "cm"}}),
        (
            "name=ws,secret=s,item=k1=p1,item=k2=p2",
            {
                "name": "ws",
                "secret": {
                    "secretName": "s",
                    "items": [{"key": "k1", "path": "p1"}, {"key": "k2", "path": "p2"}],
                },
            },
        ),
        # The first of a repeated key counts, as tkn's getPar reads them.
        ("name=a,name=b,emptyDir=", {"name": "a", "emptyDir": {}}),
    ],
)
def test_values_tkn_accepts(value: str, binding: dict[str, Any]) -> None:
    assert parse(value, no_file) == binding


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("emptyDir=", "Name not found for workspace"),
        ("name,emptyDir=", "Name not found for workspace"),
        ("name=ws", "invalid input format for workspace : name=ws"),
        (
            "name=ws,emptyDir=,claimName=c",
            "invalid input format for workspace : name=ws,emptyDir=,claimName=c",
        ),
        ("name=ws,emptyDir=Disk", "invalid input format for workspace : name=ws,emptyDir=Disk"),
        ("name=ws,subPath,emptyDir=", "invalid input format for workspace : subPath"),
        ("name=ws,config=cm,item", "invalid item"),
        ("name=ws,config=cm,item=key", "invalid key value"),
        # From tkn's workspaces_test.go:
        (
            "name=test,configsecret=wrong",
            "invalid input format for workspace : name=test,configsecret=wrong",
        ),
        (
            "name=emptydir-data-hp,emptyDir=s3",
            "invalid input format for workspace : name=emptydir-data-hp,emptyDir=s3",
        ),
        ("name=recipe-store,secret=secret-name,item=brownies", "invalid key value"),
    ],
)
def test_values_tkn_refuses_with_its_message(value: str, message: str) -> None:
    with pytest.raises(WorkspaceFlagError) as info:
        parse(value, no_file)
    assert str(info.value) == message


def test_template_files_and_merge(tmp_path: Path) -> None:
    template = tmp_path / "pvc.yaml"
    template.write_text(
        "spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
    )
    value = f"name=src,volumeClaimTemplateFile={template},emptyDir="
    # The template wins over anything else given with it, as in tkn.
    assert parse(value, load_yaml_file) == {
        "name": "src",
        "volumeClaimTemplate": {
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            }
        },
    }
    with pytest.raises(click.ClickException) as info:
        parse(f"name=src,csiFile={tmp_path}/csi.json", load_yaml_file)
    assert info.value.message == (
        f"invalid file format for {tmp_path}/csi.json: .yaml or .yml file extension and "
        "format required"
    )
    with pytest.raises(click.ClickException) as info:
        parse(f"name=src,csiFile={tmp_path}/none.yaml", load_yaml_file)
    assert info.value.message == f"open {tmp_path}/none.yaml: no such file or directory"
    existing = [{"name": "a", "emptyDir": {}}, {"name": "b", "emptyDir": {}}]
    assert merge(existing, ["name=b,claimName=c", "name=z,config=cm"], no_file) == [
        {"name": "a", "emptyDir": {}},
        {"name": "b", "persistentVolumeClaim": {"claimName": "c"}},
        {"name": "z", "configMap": {"name": "cm"}},
    ]
