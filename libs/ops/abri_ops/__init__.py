"""Abri's operations tool (``abri-ops``): what an operator needs at 3 a.m., from a laptop or inside a pod.

It reads the same variables as the services (``ABRI_<SERVICE>_DATABASE_URL``, ``ABRI_<SERVICE>_KEKS``,
``ABRI_KAFKA_BOOTSTRAP_SERVERS`` or ``ABRI_<SERVICE>_KAFKA_BOOTSTRAP_SERVERS``), so that in a service's pod
it works with that pod's environment as it is.
"""
