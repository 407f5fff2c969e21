"""The company watch: customers' identity refreshed from the public company directory, and the BODACC watched for
insolvency judgments and closures (``recouvre.watch.services``)."""
