"""The deployable stack as CloudFormation sees it: `infra/template.yaml` transformed offline by
aws-sam-translator (what `sam deploy` hands to CloudFormation's SAM transform), and its values
resolved for given parameters, as CloudFormation would resolve them.

`transform` runs in the SAM CLI's virtualenv (aws-sam-translator); the rest reads its JSON with
the standard library (and parliament, for iam-lint). Used by infra/check (the transformed
template for cfn-lint, each function's worst-case environment size, the IAM policies) and by
infra/rehearse (each function's environment, the routes, the tables, the queues, the secrets).

    python infra/stack.py transform OUT.json      the transformed template, as JSON
    python infra/stack.py env-size [TEMPLATE]     each function's worst-case environment size
    python infra/stack.py iam-lint TEMPLATE       the roles' policies, resolved, by parliament
    python infra/stack.py grants TEMPLATE AUDIT   the DynamoDB actions the tests saw each
                                                  function ask for, against its role's grants
"""

import fnmatch
import json
import os
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "template.yaml"
SAMCONFIG = HERE / "samconfig.toml"

# Lambda refuses a function whose environment variables exceed 4 KB (4,096 bytes), counted here
# as the JSON document Lambda stores ({"NAME":"value",...}), the stricter reading.
ENVIRONMENT_LIMIT = 4096

# The longest values a deployed stack can give what the template does not fix, for the
# worst-case environment: the longest commercial region name, a 12-digit account, an HTTP API
# id (10 characters) and Secrets Manager's 6-character ARN suffix.
WORST_REGION = "ap-southeast-7"
ACCOUNT = "123456789012"

# The public key sets the parameters of type AWS::SSM::Parameter::Value<String> carry at most,
# by the procedures of infra/DEPLOY.md ("Rotating a signing key"): two access-token keys while a
# rotation is under way; every certificate key that ever signed, up to what one standard SSM
# String parameter holds (4 KB: about 9 RSA-2048 public keys with 64-character kids).
KEY_SET_SIZES = {"AccessTokenJwks": 2, "CertificateJwks": 9}


def load_yaml(path=TEMPLATE):
    """The template as a plain dict, short-form intrinsics (`!Ref X`) as their long forms."""
    from samcli.yamlhelper import yaml_parse

    return yaml_parse(Path(path).read_text())


def transform(path=TEMPLATE):
    """The template after the SAM transform, as `sam deploy` would have CloudFormation see it.
    Local CodeUri folders become S3 locations first, as `sam package` makes them."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.public.translator import ManagedPolicyLoader
    from samtranslator.translator.transform import transform as sam_transform

    template = load_yaml(path)
    for resource_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = f"s3://package/{resource_id}.zip"

    class NoManagedPolicies(ManagedPolicyLoader):
        """The template names managed policies by ARN only; nothing to look up in IAM."""

        def __init__(self):
            pass

        def load(self):
            return {}

    return sam_transform(template, {}, NoManagedPolicies(), passthrough_metadata=True)


# --- resolving values -------------------------------------------------------------------------


class Unresolved(Exception):
    pass


class Stack:
    """A transformed template with the values CloudFormation would give it: parameters (with
    their defaults), pseudo parameters, and each resource's `Ref` and `Fn::GetAtt` values."""

    def __init__(self, template, parameters, region="us-east-1", account=ACCOUNT, refs=None,
                 attributes=None):
        self.template = template
        self.pseudo = {
            "AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "skillpath",
            "AWS::NoValue": None,
        }
        self.parameters = {}
        for name, spec in template.get("Parameters", {}).items():
            if name in parameters:
                value = parameters[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise Unresolved(f"parameter {name} has no value and no default")
            if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",")
            self.parameters[name] = value
        self.refs = refs or {}
        self.attributes = attributes or {}

    def check_parameters(self):
        """The parameters' values against AllowedValues, AllowedPattern and the template's
        Rules, as CloudFormation checks them before it changes anything."""
        problems = []
        for name, spec in self.template.get("Parameters", {}).items():
            value = self.parameters[name]
            values = value if isinstance(value, list) else [str(value)]
            for item in values:
                allowed = spec.get("AllowedValues")
                if allowed is not None and item not in [str(a) for a in allowed]:
                    problems.append(f"{name}={item!r} is not one of {allowed}")
                pattern = spec.get("AllowedPattern")
                if pattern is not None and not re.fullmatch(pattern, item):
                    problems.append(f"{name}={item!r} does not match {pattern}")
        for rule_name, rule in self.template.get("Rules", {}).items():
            if "RuleCondition" in rule and not self.resolve(rule["RuleCondition"]):
                continue
            for assertion in rule.get("Assertions", []):
                if not self.resolve(assertion["Assert"]):
                    problems.append(f"rule {rule_name}: {assertion.get('AssertDescription')}")
        return problems

    def resources(self, kind=None):
        for resource_id, resource in self.template["Resources"].items():
            if kind is None or resource["Type"] == kind:
                yield resource_id, resource

    def condition(self, name):
        return bool(self.resolve(self.template["Conditions"][name]))

    def exists(self, resource):
        return "Condition" not in resource or self.condition(resource["Condition"])

    def ref(self, name):
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise Unresolved(f"no value for Ref {name}")

    def get_att(self, resource_id, attribute):
        if (resource_id, attribute) in self.attributes:
            return self.attributes[(resource_id, attribute)]
        raise Unresolved(f"no value for Fn::GetAtt {resource_id}.{attribute}")

    def sub(self, text, variables=None):
        def one(match):
            name = match.group(1)
            if variables and name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}!]+)\}", one, text)

    def resolve(self, value):
        """`value` with every intrinsic function evaluated; `None` for AWS::NoValue."""
        if isinstance(value, list):
            return [v for v in (self.resolve(item) for item in value) if v is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Condition":
                return self.condition(argument)
            if key == "Fn::GetAtt":
                parts = argument.split(".", 1) if isinstance(argument, str) else argument
                return self.get_att(*parts)
            if key == "Fn::Sub":
                if isinstance(argument, str):
                    return self.sub(argument)
                return self.sub(argument[0], argument[1])
            if key == "Fn::If":
                name, yes, no = argument
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in argument)
                return left == right
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Fn::And":
                return all(self.resolve(a) for a in argument)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in argument)
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(i) for i in self.resolve(items))
            if key == "Fn::Split":
                separator, text = argument
                return self.resolve(text).split(separator)
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::FindInMap":
                name, first, second = (self.resolve(a) for a in argument)
                return self.template["Mappings"][name][first][second]
            if key.startswith("Fn::"):
                raise Unresolved(f"{key} is not evaluated here")
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not None}

    def functions(self):
        """(logical id, resource) of every Lambda function in the stack."""
        return [(i, r) for i, r in self.resources("AWS::Lambda::Function") if self.exists(r)]

    def environment(self, function):
        """A function's environment variables as the template gives them."""
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        return {name: str(self.resolve(value)) for name, value in variables.items()}

    def queue_attributes(self, queue):
        """An AWS::SQS::Queue's properties as the attributes of SQS's CreateQueue, as
        CloudFormation passes them (the redrive policy as JSON, its ARN resolved; booleans in
        lower case): everything but its name and tags."""
        attributes = {}
        for name, value in self.resolve(queue["Properties"]).items():
            if name in ("QueueName", "Tags"):
                continue
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, dict):
                value = json.dumps(value)
            attributes[name] = str(value)
        return attributes

    def create_queues(self, sqs):
        """Makes the stack's queues with `sqs` (a boto3 SQS client), a dead-letter queue before
        the queue whose redrive policy names it, and records each one's Ref (its URL), Arn and
        QueueName as CloudFormation returns them. For the emulator: infra/rehearse and the local
        stack (infra/local/queues)."""
        waiting = [(i, r) for i, r in self.resources("AWS::SQS::Queue") if self.exists(r)]
        while waiting:
            later = []
            for resource_id, resource in waiting:
                try:
                    attributes = self.queue_attributes(resource)
                except Unresolved:
                    later.append((resource_id, resource))
                    continue
                name = self.resolve(resource["Properties"]["QueueName"])
                url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
                self.refs[resource_id] = url
                self.attributes[(resource_id, "Arn")] = sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                self.attributes[(resource_id, "QueueName")] = name
            if len(later) == len(waiting):
                raise Unresolved(f"the queues {[i for i, _ in later]} refer to what is not made")
            waiting = later

    def dead_letter_queues(self):
        """The logical ids of the queues a redrive policy names (after create_queues)."""
        targets = {self.resolve(r["Properties"]["RedrivePolicy"])["deadLetterTargetArn"]
                   for _, r in self.resources("AWS::SQS::Queue")
                   if self.exists(r) and "RedrivePolicy" in r["Properties"]}
        return [i for i, _ in self.resources("AWS::SQS::Queue")
                if self.attributes.get((i, "Arn")) in targets]

    def routes(self):
        """{route key: logical id of the function it integrates}."""
        routes = {}
        for route_id, route in self.resources("AWS::ApiGatewayV2::Route"):
            target = route["Properties"]["Target"]
            integration = re.fullmatch(r"integrations/\$\{(\w+)\}", target["Fn::Sub"]).group(1)
            uri = self.template["Resources"][integration]["Properties"]["IntegrationUri"]
            routes[route["Properties"]["RouteKey"]] = uri["Fn::GetAtt"][0]
        return routes


# --- the worst-case environment ---------------------------------------------------------------


def worst_jwks(keys):
    """A JWKS document of `keys` RSA-2048 public keys with 64-character kids, the largest the
    deploy procedure publishes (auth-admin keygen makes RSA-2048 keys)."""
    modulus = "x" * 342  # 2048 bits, base64url without padding
    return json.dumps({"keys": [
        {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": f"{i:064d}", "n": modulus, "e": "AQAB"}
        for i in range(keys)]}, separators=(",", ":"))


def samconfig_parameters(environment):
    """An environment's parameter_overrides in samconfig.toml, as a dict."""
    config = tomllib.loads(SAMCONFIG.read_text())
    overrides = config[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(item.split("=", 1) for item in overrides)


def worst_case_stack(template, environment):
    """The stack of samconfig.toml's `environment` with the largest values the rest can take."""
    parameters = samconfig_parameters(environment)
    for name, keys in KEY_SET_SIZES.items():
        parameters[name] = worst_jwks(keys)
    stack = Stack(template, parameters, region=WORST_REGION)
    for resource_id, resource in template["Resources"].items():
        kind, properties = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            name = stack.resolve(properties["TableName"])
            stack.refs[resource_id] = name
            stack.attributes[(resource_id, "Arn")] = (
                f"arn:aws:dynamodb:{WORST_REGION}:{ACCOUNT}:table/{name}")
        elif kind == "AWS::SecretsManager::Secret":
            stack.refs[resource_id] = (f"arn:aws:secretsmanager:{WORST_REGION}:{ACCOUNT}:secret:"
                                       f"{stack.resolve(properties['Name'])}-AbCdEf")
        elif kind == "AWS::Logs::LogGroup":
            name = stack.resolve(properties["LogGroupName"])
            stack.refs[resource_id] = name
            stack.attributes[(resource_id, "Arn")] = (
                f"arn:aws:logs:{WORST_REGION}:{ACCOUNT}:log-group:{name}:*")
        elif kind == "AWS::SQS::Queue":
            name = stack.resolve(properties["QueueName"])
            stack.refs[resource_id] = f"https://sqs.{WORST_REGION}.amazonaws.com/{ACCOUNT}/{name}"
            stack.attributes[(resource_id, "Arn")] = f"arn:aws:sqs:{WORST_REGION}:{ACCOUNT}:{name}"
            stack.attributes[(resource_id, "QueueName")] = name
        else:
            stack.refs[resource_id] = "a" * 10
    return stack


def env_size(template):
    """Prints each function's worst-case environment size per environment of samconfig.toml;
    False when one exceeds Lambda's limit."""
    fits = True
    for environment in ("dev", "prod"):
        stack = worst_case_stack(template, environment)
        for function_id, function in stack.functions():
            variables = stack.environment(function)
            size = len(json.dumps(variables, separators=(",", ":")))
            largest = sorted(variables, key=lambda n: -len(variables[n]))[:3]
            verdict = "ok" if size <= ENVIRONMENT_LIMIT else "OVER Lambda's 4 KB limit"
            print(f"  {environment:<5} {function_id:<18} {size:>5} B of {ENVIRONMENT_LIMIT}  "
                  f"{verdict} (largest: {', '.join(f'{n} {len(variables[n])} B' for n in largest)})")
            fits &= size <= ENVIRONMENT_LIMIT
    return fits


def iam_lint(template):
    """Prints what parliament finds in each role's inline policies, resolved as prod deploys
    them (every conditional resource there): unknown actions, and actions given resources they
    cannot apply to, which cfn-lint does not check. False when it finds anything."""
    from parliament import analyze_policy_string, enhance_finding

    stack = worst_case_stack(template, "prod")
    findings = 0
    for role_id, role in stack.resources("AWS::IAM::Role"):
        for policy in role["Properties"].get("Policies", []):
            document = json.dumps(stack.resolve(policy["PolicyDocument"]))
            for finding in analyze_policy_string(document).findings:
                finding = enhance_finding(finding)
                print(f"  {role_id} ({policy['PolicyName']}): {finding.severity} "
                      f"{finding.title}: {finding.detail}")
                findings += 1
    print(f"parliament: {findings} finding(s) in the roles' policies")
    return findings == 0


def grants(template, audit):
    """Compares the DynamoDB requests the functions made in the tests (the emulator's audit,
    `dynamodb-emulator --audit`: access key = function, as testkit::sdk_config_as sets it) with
    what each function's role grants, resolved as prod deploys it. Every request must be
    granted on its table or index (or AWS answers AccessDenied), and every action a role grants
    on a table must have been asked for there by some test (or it is granted for nothing, or
    untested). False when either fails. Nothing here reads the functions' code, so no helper
    the code calls through can hide a request."""
    stack = worst_case_stack(template, "prod")
    kinds = {}
    for table_id, table in stack.resources("AWS::DynamoDB::Table"):
        kind = stack.resolve(table["Properties"]["TableName"]).rsplit("-", 1)[-1]
        kinds[kind] = stack.get_att(table_id, "Arn")
    granted, roles = {}, {}
    for role_id, role in stack.resources("AWS::IAM::Role"):
        principal = role_id.removesuffix("Role").lower()
        roles[principal] = role_id
        for policy in role["Properties"].get("Policies", []):
            for statement in stack.resolve(policy["PolicyDocument"])["Statement"]:
                actions, resources = statement["Action"], statement["Resource"]
                for action in [actions] if isinstance(actions, str) else actions:
                    if statement["Effect"] == "Allow" and action.startswith("dynamodb:"):
                        for resource in [resources] if isinstance(resources, str) else resources:
                            granted.setdefault(principal, set()).add((action, resource))
    observed = set()
    for line in Path(audit).read_text().splitlines():
        entry = json.loads(line)
        kind = re.search(r"-(auth|content|progress)(-|$)", entry["table"] or "")
        if entry["principal"] in granted and kind:
            observed.add((entry["principal"], entry["action"], kind.group(1), entry["index"]))
    ok = bool(observed)
    if not ok:
        print(f"  {audit} records no request of a function: was the emulator started with "
              "--audit, and testkit's credentials per function?")
    for principal, action, kind, index in sorted(observed, key=str):
        resource = kinds[kind] + (f"/index/{index}" if index else "")
        if not any(a == action and fnmatch.fnmatchcase(resource, r)
                   for a, r in granted[principal]):
            print(f"  {principal} asks for {action} on {resource}, which its role does not "
                  "grant: AccessDenied in AWS")
            ok = False
    for principal, pairs in sorted(granted.items()):
        for action, resource in sorted(pairs):
            kind = next((k for k, arn in kinds.items() if resource.startswith(arn)), None)
            if kind and not any(o[:3] == (principal, action, kind) for o in observed):
                print(f"  {roles[principal]} grants {action} on {resource}, but no "
                      f"test saw {principal} ask for it on the {kind} table")
                ok = False
    used = sorted({(p, a, k) for p, a, k, _ in observed})
    print(f"DynamoDB grants: {len(used)} (function, action, table) uses seen, "
          f"{'all granted, none granted for nothing' if ok else 'see above'}")
    return ok


def main(argv):
    if len(argv) >= 2 and argv[1] == "transform" and len(argv) == 3:
        Path(argv[2]).write_text(json.dumps(transform(), indent=1))
        return 0
    if len(argv) >= 2 and argv[1] == "env-size":
        template = json.loads(Path(argv[2]).read_text()) if len(argv) == 3 else transform()
        print("environment size, worst case (samconfig.toml's values; the most keys DEPLOY.md "
              "publishes; the longest region, ids and ARNs):")
        return 0 if env_size(template) else 1
    if len(argv) == 4 and argv[1] == "grants":
        return 0 if grants(json.loads(Path(argv[2]).read_text()), argv[3]) else 1
    if len(argv) == 3 and argv[1] == "iam-lint":
        return 0 if iam_lint(json.loads(Path(argv[2]).read_text())) else 1
    print(__doc__.split("\n\n")[2], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
