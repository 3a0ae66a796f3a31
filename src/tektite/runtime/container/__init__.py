"""The podman/docker PodRuntime: ``engine`` (the CLI), ``plan`` (create arguments),
``pod`` (one Pod's life) and ``runtime`` (``ContainerRuntime``); Tekton's file-only init
containers are done on the host (``runtime.host_init``)."""
