"""The one intrinsic reader (cfnmodel/intrinsics.py): each form CloudFormation reads a name from."""

from __future__ import annotations

from cfnmodel import intrinsics as i


def test_ref_is_a_reference() -> None:
    assert i.references({"Ref": "Bucket"}) == {"Bucket"}


def test_getatt_list_form_names_the_resource() -> None:
    assert i.references({"Fn::GetAtt": ["Db", "Endpoint.Address"]}) == {"Db"}


def test_getatt_dotted_form_names_the_resource_before_the_first_dot() -> None:
    (ref,) = i.reference_list({"Fn::GetAtt": "Db.Endpoint.Address"})
    assert (ref.name, ref.attribute, ref.text) == ("Db", "Endpoint.Address", "Db.Endpoint.Address")


def test_getatt_attribute_given_by_a_ref_is_a_reference_too() -> None:
    assert i.references({"Fn::GetAtt": ["Db", {"Ref": "AttrParam"}]}) == {"Db", "AttrParam"}


def test_sub_string_variables_are_references() -> None:
    assert i.references({"Fn::Sub": "${Bucket}/${Db.Endpoint.Address}"}) == {"Bucket", "Db"}


def test_sub_local_variables_are_not_references() -> None:
    node = {"Fn::Sub": ["${Local}-${Bucket}", {"Local": "literal"}]}
    assert i.references(node) == {"Bucket"}


def test_sub_local_values_are_read_for_references() -> None:
    node = {"Fn::Sub": ["${Local}", {"Local": {"Fn::GetAtt": ["Db", "Port"]}}]}
    assert i.references(node) == {"Db"}


def test_sub_escape_is_a_literal_not_a_variable() -> None:
    assert i.sub_variables("${!Literal}-${Real}") == ["Real"]


def test_sub_variables_keep_the_attribute_and_drop_locals() -> None:
    assert i.sub_variables("${A.Arn}:${L}:${AWS::Region}", local={"L"}) == ["A.Arn", "AWS::Region"]


def test_sub_spans_locate_each_variable() -> None:
    assert i.sub_spans("ab${X}c${!Y}") == [(2, 6, "X")]


def test_both_branches_of_if_are_references_and_the_condition_is_a_condition() -> None:
    node = {"Fn::If": ["IsProd", {"Ref": "A"}, {"Ref": "B"}]}
    assert (i.references(node), i.conditions(node)) == ({"A", "B"}, {"IsProd"})


def test_condition_inside_a_condition_function_is_a_condition() -> None:
    node = {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "Env"}, "x"]}]}
    assert i.conditions(node) == {"IsProd"}


def test_depends_on_as_a_string() -> None:
    assert i.depends_on({"DependsOn": "A"}) == ["A"]


def test_depends_on_as_a_list() -> None:
    assert i.depends_on({"DependsOn": ["A", "B"]}) == ["A", "B"]


def test_no_depends_on() -> None:
    assert i.depends_on({"Type": "X::Y"}) == []


def test_pseudo_parameters_are_told_apart_from_references() -> None:
    node = [{"Ref": "AWS::Region"}, {"Fn::Sub": "${AWS::AccountId}-${Bucket}"}]
    assert (i.references(node), i.pseudo_parameters(node)) == (
        {"Bucket"},
        {"AWS::Region", "AWS::AccountId"},
    )


def test_a_dict_with_other_keys_is_not_a_function_call() -> None:
    assert i.references({"Ref": "A", "Other": 1}) == set()


def test_uses_report_imports_and_dynamic_references_in_order() -> None:
    node = {
        "A": {"Fn::ImportValue": "shared-vpc"},
        "B": "{{resolve:secretsmanager:s:SecretString:password}}",
    }
    kinds = [type(use) for use in i.uses(node)]
    assert kinds == [i.ImportUse, i.DynamicReference]


def test_a_dynamic_reference_inside_a_sub_is_a_use() -> None:
    node = {"Fn::Sub": "{{resolve:secretsmanager:${Secret}:SecretString:password}}"}
    kinds = [type(use) for use in i.uses(node)]
    assert kinds == [i.Reference, i.DynamicReference]


def test_branches_drop_no_value() -> None:
    node = {"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]}
    assert i.branches(node) == ["a"]


def test_items_read_through_if_on_the_list_and_on_items() -> None:
    node = {"Fn::If": ["C", ["a", {"Fn::If": ["D", "b", "c"]}], ["d"]]}
    assert i.items(node) == ["a", "b", "c", "d"]


def test_indexed_items_give_the_path_of_each_item() -> None:
    node = ["a", {"Fn::If": ["C", "b", {"Ref": "AWS::NoValue"}]}]
    assert i.indexed_items(node) == [((0,), "a"), ((1, "Fn::If", 1), "b")]


def test_render_turns_refs_and_getatts_into_tokens_and_substitutes_sub_locals() -> None:
    node = {"Fn::Sub": ["${L}/${B}", {"L": {"Fn::GetAtt": ["Db", "Port"]}}]}
    assert i.render(node) == "${Db.Port}/${B}"


def test_render_joins_a_join() -> None:
    assert i.render({"Fn::Join": ["-", ["a", {"Ref": "B"}, 3, True]]}) == "a-${B}-3-true"


def test_render_gives_up_on_what_it_cannot_spell() -> None:
    assert i.render({"Fn::Join": ["-", [{"Fn::FindInMap": ["M", "k", "v"]}]]}) is None
