"""Which of Tekton's example runs the host runtime does not run, and why.

This is the one list: the host conformance tests run every other TaskRun/PipelineRun
example of ``taskruns/`` (top level, ``beta/``, ``alpha/``) and ``pipelineruns/``, and
expect ``Succeeded=True``. The list only shrinks; classes are those of reference §7.
"""

from __future__ import annotations

E = (
    "needs the image's own ENTRYPOINT (a step with args but no command/script): "
    "run it on podman/docker"
)
N = "needs the network or a remote resolver (git, hub, bundles, a registry)"
G = "clones a GitHub repository with the git-clone image's /ko-app/git-init (network, class N)"
C = (
    "its sshd sidecar generates host keys in /etc/ssh, unlocks root in /etc/shadow and "
    "writes /root/.ssh: on the host runtime that would change the machine itself, so it "
    "runs only in containers (podman/docker)"
)

HOST_SKIPS: dict[str, str] = {
    "taskruns/array-default.yaml": E,
    "taskruns/entrypoint-resolution.yaml": E,
    "taskruns/step-by-digest.yaml": E,
    "taskruns/steps-run-in-order.yaml": E,
    "taskruns/beta/param_array_indexing.yaml": E,
    "taskruns/beta/propagated-object-parameters.yaml": E,
    "taskruns/authenticating-git-commands.yaml": C,
    "taskruns/beta/authenticating-git-commands.yaml": C,
    "taskruns/dind-sidecar.yaml": "needs a privileged docker daemon sidecar (class X)",
    "taskruns/beta/bundles-resolver.yaml": N,
    "taskruns/beta/git-resolver.yaml": N,
    "taskruns/beta/hub-resolver.yaml": N,
    "taskruns/beta/stepaction-git-resolver.yaml": N,
    "taskruns/alpha/step-stream-results.yaml": N + " (the crane image talks to a registry)",
    "taskruns/alpha/step-stream-workspace.yaml": N + " (the crane image talks to a registry)",
    "pipelineruns/pipelinerun.yaml": G + "; then builds and pushes an image with kaniko",
    "pipelineruns/pipelinerun-with-final-tasks.yaml": G,
    "pipelineruns/beta/git-resolver.yaml": N,
    "pipelineruns/beta/http-resolver.yaml": N,
    "pipelineruns/beta/http-resolver-credentials.yaml": N,
}
