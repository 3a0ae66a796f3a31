"""The podman/docker PodRuntime: ``engine`` (the CLI), ``plan`` (create arguments),
``host_init`` (Tekton's file-only init containers), ``pod`` (one Pod's life) and
``runtime`` (``ContainerRuntime``)."""
