"""template.yaml's foundation: created by the stack unless the parameters name existing resources
(one condition per part), two AZs, private functions with the endpoints and one NAT, the database
URL without a password (IAM tokens through the proxy)."""

from __future__ import annotations

import re

PARTS = {
    "CreateNetwork": [
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::NatGateway",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCEndpoint",
        "AWS::EC2::RouteTable",
    ],
    "CreateDatabase": ["AWS::RDS::DBInstance", "AWS::RDS::DBProxy", "AWS::RDS::DBProxyTargetGroup"],
    "CreateRedis": ["AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::SubnetGroup"],
}


def test_each_part_is_created_only_without_its_parameter(template, resources):
    conditions = template["Conditions"]
    assert conditions["CreateNetwork"] == {"Fn::Equals": [{"Fn::Join": ["", {"Ref": "VpcSubnetIds"}]}, ""]}
    assert conditions["CreateDatabase"] == {"Fn::Equals": [{"Ref": "DatabaseProxyEndpoint"}, ""]}
    assert conditions["CreateRedis"] == {"Fn::Equals": [{"Ref": "RedisEndpoint"}, ""]}
    for condition, types in PARTS.items():
        of_part = [r for r in resources.values() if r["Type"] in types]
        assert of_part, condition
        assert {r.get("Condition") for r in of_part} == {condition}
    for name in ("VpcSubnetIds", "DatabaseProxyEndpoint", "RedisEndpoint"):
        assert template["Parameters"][name]["Default"] == ""


def test_two_private_subnets_in_two_azs_carry_the_functions(template, resources):
    azs = {
        name: r["Properties"]["AvailabilityZone"]["Fn::Select"][0]
        for name, r in resources.items()
        if r["Type"] == "AWS::EC2::Subnet"
    }
    assert azs == {"PublicSubnetA": 0, "PublicSubnetB": 1, "PrivateSubnetA": 0, "PrivateSubnetB": 1}
    vpc = template["Globals"]["Function"]["VpcConfig"]
    assert vpc["SubnetIds"] == {
        "Fn::If": [
            "CreateNetwork",
            [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}],
            {"Ref": "VpcSubnetIds"},
        ]
    }
    assert not any(
        r["Properties"].get("MapPublicIpOnLaunch")
        for r in resources.values()
        if r["Type"] == "AWS::EC2::Subnet"
    )


def test_egress_is_the_s3_and_secrets_manager_endpoints_and_one_nat(resources):
    endpoints = {
        r["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: r["Properties"]["VpcEndpointType"]
        for r in resources.values()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
    }
    assert endpoints == {"s3": "Gateway", "secretsmanager": "Interface"}
    (nat,) = [r for r in resources.values() if r["Type"] == "AWS::EC2::NatGateway"]
    assert nat["Properties"]["SubnetId"] == {"Ref": "PublicSubnetA"}
    assert resources["PrivateDefaultRoute"]["Properties"]["NatGatewayId"] == {"Ref": "NatGateway"}


def test_the_functions_reach_the_proxy_with_iam_tokens_not_a_password(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    url, names = variables["CINEMA_DATABASE_URL"]["Fn::Sub"]
    assert re.fullmatch(
        r"postgresql\+psycopg://\$\{DatabaseUser\}@\$\{Host\}:5432/\$\{DatabaseName\}\?sslmode=require", url
    )
    assert names["Host"]["Fn::If"][0] == "CreateDatabase"
    assert variables["CINEMA_DATABASE_IAM_AUTH"] == "true"
    assert variables["CINEMA_REDIS_URL"]["Fn::If"][1]["Fn::Sub"].startswith("rediss://")


def test_the_migrations_wait_for_the_proxy_and_the_network(resources):
    properties = resources["DatabaseMigrations"]["Properties"]
    assert properties["ProxyTargets"] == {
        "Fn::If": ["CreateDatabase", {"Ref": "DatabaseProxyTargets"}, "existing"]
    }
    network = properties["Network"]["Fn::If"]
    refs = {item["Ref"] for item in network[1]["Fn::Join"][1]}
    assert {"SecretsManagerEndpoint", "S3GatewayEndpoint", "PrivateDefaultRoute"} <= refs


def test_no_foundation_group_keeps_the_default_allow_all_egress(resources):
    groups = {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] == "AWS::EC2::SecurityGroup" and name != "LiveSecurityGroup"
    }
    assert set(groups) == {
        "FunctionSecurityGroup",
        "DatabaseProxySecurityGroup",
        "DatabaseSecurityGroup",
        "RedisSecurityGroup",
        "EndpointSecurityGroup",
    }
    for name, group in groups.items():
        assert group["SecurityGroupEgress"], name  # an explicit list replaces AWS's allow-all
        for rule in group["SecurityGroupEgress"]:
            assert rule["IpProtocol"] != "-1" or rule["CidrIp"] == "127.0.0.1/32", name
