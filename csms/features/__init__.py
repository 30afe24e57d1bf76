"""Feature areas beyond the core: each module builds its services completely and returns them as
one typed, frozen object that the container (csms/container.py) holds as a declared attribute.

A feature module has a dataclass of its services and ``build(...)`` taking exactly what they need
(repositories, core services, settings). It does not touch the container. What else it plugs into
is declared where a reader looks for it: inbound OCPP actions in csms/ocpp/<version>/routes.py,
command encoders in csms/ocpp/<version>/encoders.py, bus subscriptions in csms/subscriptions.py,
periodic jobs in csms/jobs/scheduler.py, REST views in api/views/ (docs/architecture.md)."""
