"""PACT Technical Specifications v3: our product footprints exchanged with partners
(docs/pact.md).

==================  ===========================================================================
``schema``          the official v3 OpenAPI document (``data/openapi_v3_0.yaml``, MIT, WBCSD)
                    and JSON Schema 2020-12 validation against its ``components.schemas``
``publication``     the facts a data owner publishes beside the footprint (company and product
                    URNs, classifications, status, validity, preceding ids)
``decimals``        numbers as PACT's decimal strings
``dqr``             the v3 data quality ratings, weighted from the exchanges' pedigree scores
``mapping``         a computed footprint → a validated v3 ``ProductFootprint``
``filters``         the ListFootprints / RequestCreatedEvent criteria and the validity period
``tokens``          OAuth2 client-credentials bearer tokens (signed, expiring)
``events``          CloudEvents answers: RequestFulfilled, RequestRejected, Published
``repository``      published versions, PACT clients and received events in the store
``api``             the REST endpoints ``/auth/token``, ``/3/footprints``, ``/3/events``
==================  ===========================================================================
"""
