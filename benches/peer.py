#!/usr/bin/env python3
"""The benchmark's peer: what a small in-house script would do for a DR drill, in one process.

For every job file in JOBS: read the job, find its config and encryption-info blobs and Azure
Backup's template in BLOBS by the names the job gives, decode them (UTF-16LE or UTF-8, as Azure
writes them), fill an ARM template and its parameters file with `string.Template`, check the result is JSON, print it
pretty, and write OUT/<vm-name>/azuredeploy.json and azuredeploy.parameters.json, and prepare.ps1 when
the BEK secret's URL is known: the same files as `restore-deploy generate --jobs`. It validates far less than restore-deploy
(no key-reference checks, no case classification, no error per input path); it is the floor a
script sets, not an equal.

Usage: peer.py JOBS BLOBS OUT   (standard library only)
"""

import json
import os
import sys
from string import Template

TEMPLATE = Template("""{
  "$$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "metadata": {"generator": "peer.py", "description": $description},
  "parameters": {
    "virtualMachineName": {"type": "string", "defaultValue": $vm_name, "metadata": {"description": "Name of the new VM."}},
    "location": {"type": "string", "defaultValue": $location, "metadata": {"description": "Azure region of the new VM; the source VM's region by default."}},
    "vmSize": {"type": "string", "defaultValue": $vm_size, "metadata": {"description": "VM size; the source VM's size by default."}},
    "virtualNetwork": {"type": "string", "metadata": {"description": "Existing virtual network for the VM's network interface."}},
    "virtualNetworkResourceGroup": {"type": "string", "defaultValue": "[resourceGroup().name]", "metadata": {"description": "Resource group of the virtual network."}},
    "subnet": {"type": "string", "metadata": {"description": "Subnet of the virtual network."}},
    "networkInterfaceName": {"type": "string", "defaultValue": "[format('{0}-restored-nic', parameters('virtualMachineName'))]", "metadata": {"description": "Name of the new network interface."}},
    "publicIpAddressName": {"type": "string", "defaultValue": "[format('{0}-restored-ip', parameters('virtualMachineName'))]", "metadata": {"description": "Name of the new public IP address."}},
    "diskEncryptionKeyUrl": {"type": "string", "defaultValue": $secret_url, "metadata": {"description": "Versioned URL of the BEK secret."}},
    "keyVaultResourceId": {"type": "string", "defaultValue": $vault_id, "metadata": {"description": "Resource id of the BEK's key vault."}},
    "keyEncryptionKeyUrl": {"type": "string", "defaultValue": $key_url, "metadata": {"description": "Versioned URL of the KEK."}},
    "kekVaultResourceId": {"type": "string", "defaultValue": $kek_vault_id, "metadata": {"description": "Resource id of the KEK's key vault."}},
    "volumeType": {"type": "string", "defaultValue": $volume_type, "allowedValues": ["All", "Data", "OS"], "metadata": {"description": "Volumes ADE encrypts."}},
    "forceUpdateTag": {"type": "string", "defaultValue": "[newGuid()]", "metadata": {"description": "Makes the extension run on every deployment."}}
  },
  "variables": {"keyVaultUrl": "[format('https://{0}/', split(parameters('diskEncryptionKeyUrl'), '/')[2])]"},
  "resources": [
    {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "[parameters('publicIpAddressName')]",
     "location": "[parameters('location')]", "tags": $tags, "sku": {"name": "Standard", "tier": "Regional"},
     "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}},
    {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2024-05-01", "name": "[parameters('networkInterfaceName')]",
     "location": "[parameters('location')]", "tags": $tags,
     "dependsOn": ["[resourceId('Microsoft.Network/publicIPAddresses', parameters('publicIpAddressName'))]"],
     "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
       "publicIPAddress": {"id": "[resourceId('Microsoft.Network/publicIPAddresses', parameters('publicIpAddressName'))]"},
       "privateIPAllocationMethod": "Dynamic",
       "subnet": {"id": "[resourceId(parameters('virtualNetworkResourceGroup'), 'Microsoft.Network/virtualNetworks/subnets', parameters('virtualNetwork'), parameters('subnet'))]"}}}]}},
    {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "[parameters('virtualMachineName')]",
     "location": "[parameters('location')]", "tags": $tags,
     "dependsOn": ["[resourceId('Microsoft.Network/networkInterfaces', parameters('networkInterfaceName'))]"],
     "properties": {
       "hardwareProfile": {"vmSize": "[parameters('vmSize')]"},
       "storageProfile": {
         "osDisk": {"osType": $os_type, "createOption": "Attach", "caching": $os_caching, "managedDisk": {"id": $os_disk_id}},
         "dataDisks": [$data_disks]},
       "networkProfile": {"networkInterfaces": [{"id": "[resourceId('Microsoft.Network/networkInterfaces', parameters('networkInterfaceName'))]", "properties": {"primary": true}}]}}},
    {"type": "Microsoft.Compute/virtualMachines/extensions", "apiVersion": "2024-07-01",
     "name": "[format('{0}/AzureDiskEncryption', parameters('virtualMachineName'))]",
     "location": "[parameters('location')]", "tags": $tags,
     "dependsOn": ["[resourceId('Microsoft.Compute/virtualMachines', parameters('virtualMachineName'))]"],
     "properties": {"publisher": "Microsoft.Azure.Security", "type": "AzureDiskEncryption", "typeHandlerVersion": "2.2",
       "autoUpgradeMinorVersion": true, "forceUpdateTag": "[parameters('forceUpdateTag')]",
       "settings": {"EncryptionOperation": "EnableEncryption", "KeyVaultURL": "[variables('keyVaultUrl')]",
         "KeyVaultResourceId": "[parameters('keyVaultResourceId')]", "KeyEncryptionKeyURL": "[parameters('keyEncryptionKeyUrl')]",
         "KekVaultResourceId": "[parameters('kekVaultResourceId')]", "KeyEncryptionAlgorithm": "RSA-OAEP",
         "VolumeType": "[parameters('volumeType')]"}}}
  ]
}""")

DATA_DISK = Template(
    """{"lun": $lun, "createOption": "Attach", "caching": $caching, "diskSizeGB": $size, "managedDisk": {"id": $id}}"""
)

PARAMETERS = Template("""{
  "$$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "virtualMachineName": {"value": $vm_name}, "location": {"value": $location}, "vmSize": {"value": $vm_size},
    "virtualNetwork": {"value": ""}, "subnet": {"value": ""},
    "diskEncryptionKeyUrl": {"value": $secret_url}, "keyVaultResourceId": {"value": $vault_id},
    "keyEncryptionKeyUrl": {"value": $key_url}, "kekVaultResourceId": {"value": $kek_vault_id},
    "volumeType": {"value": $volume_type}
  }
}""")


PREPARE = Template("""#Requires -Modules Az.Accounts, Az.KeyVault, Az.Compute
# Before deploying $vm_name_ps: the key vault, the BEK secret and the KEK must still exist.
[CmdletBinding()]
param(
    [string] $$ResourceGroupName = '',
    [string] $$TemplateFile = 'azuredeploy.json',
    [string] $$TemplateParameterFile = 'azuredeploy.parameters.json'
)
$$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$$VmName = $vm_name_ps
$$SecretUrl = $secret_url_ps
$$KeyUrl = $key_url_ps
$$VaultId = $vault_id_ps
$$KekVaultId = $kek_vault_id_ps
$$OsDiskId = $os_disk_id_ps

function Get-VaultName([string] $$Id) {
    $$parts = $$Id.Split('/')
    return $$parts[$$parts.Length - 1]
}

if (-not (Get-AzContext)) {
    throw 'Sign in first: Connect-AzAccount'
}
$$vault = Get-AzKeyVault -ResourceId $$VaultId
if (-not $$vault) {
    throw "The key vault $$VaultId is gone: restore it, or restore the keys from the encryption-info blob."
}
if (-not $$vault.EnabledForDiskEncryption) {
    throw "The key vault $$($$vault.VaultName) is not enabled for disk encryption: Set-AzKeyVaultAccessPolicy -VaultName $$($$vault.VaultName) -EnabledForDiskEncryption"
}
$$secretName = ([uri] $$SecretUrl).Segments[2].TrimEnd('/')
$$secretVersion = ([uri] $$SecretUrl).Segments[3].TrimEnd('/')
$$secret = Get-AzKeyVaultSecret -VaultName (Get-VaultName $$VaultId) -Name $$secretName -Version $$secretVersion
if (-not $$secret) {
    throw "The BEK secret $$SecretUrl is gone: restore it from the encryption-info blob first."
}
if ($$KeyUrl) {
    $$keyName = ([uri] $$KeyUrl).Segments[2].TrimEnd('/')
    $$key = Get-AzKeyVaultKey -VaultName (Get-VaultName $$KekVaultId) -Name $$keyName
    if (-not $$key) {
        throw "The KEK $$KeyUrl is gone: restore it first."
    }
}
$$disk = Get-AzResource -ResourceId $$OsDiskId -ExpandProperties
if (-not $$disk.Properties.encryptionSettingsCollection) {
    $$settings = @{
        enabled = $$true
        encryptionSettings = @(@{
            diskEncryptionKey = @{ secretUrl = $$SecretUrl; sourceVault = @{ id = $$VaultId } }
            keyEncryptionKey = if ($$KeyUrl) { @{ keyUrl = $$KeyUrl; sourceVault = @{ id = $$KekVaultId } } } else { $$null }
        })
        encryptionSettingsVersion = '1.1'
    }
    $$disk.Properties | Add-Member -NotePropertyName encryptionSettingsCollection -NotePropertyValue $$settings -Force
    $$disk | Set-AzResource -Force | Out-Null
    Write-Host "Stamped the encryption settings of $$OsDiskId"
}
Write-Host 'Ready. Deploy with:'
Write-Host "  New-AzResourceGroupDeployment -ResourceGroupName $$ResourceGroupName -TemplateFile $$TemplateFile -TemplateParameterFile $$TemplateParameterFile"
""")


def ps(value):
    """A PowerShell single-quoted literal, every quote doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def decode(raw):
    if raw.startswith(b"\xff\xfe"):
        text = raw[2:].decode("utf-16-le")
    elif len(raw) > 1 and raw[1] == 0:
        text = raw.decode("utf-16-le")
    else:
        text = raw.decode("utf-8-sig")
    return json.loads(text.rstrip("\x00"))


def get(d, *path):
    """Azure writes some keys flattened (`properties.storageProfile`); accept both spellings."""
    for key in path:
        if not isinstance(d, dict):
            return None
        lower = {k.lower(): v for k, v in d.items()}
        d = lower.get(key.lower(), lower.get("properties." + key.lower()))
    return d


def bag(job):
    if any(k.strip().lower() == "config blob name" for k in job):
        return {k.strip().lower(): v for k, v in job.items()}
    for v in job.values():
        if isinstance(v, dict):
            found = bag(v)
            if found:
                return found
    return None


def render(job_path, blobs, out):
    with open(job_path, "rb") as f:
        b = bag(decode(f.read()))
    with open(os.path.join(blobs, b["config blob name"]), "rb") as f:
        config = decode(f.read())
    info = {}
    if b.get("encryption info blob name"):
        with open(os.path.join(blobs, b["encryption info blob name"]), "rb") as f:
            info = decode(f.read()).get("OsDiskKeyAndSecretDetails") or {}
    # Azure Backup's template of the restore, read and parsed as restore-deploy reads it (beside
    # the config, by the blob name of the job's `Template Blob Uri`); the peer does not use it.
    if b.get("template blob uri"):
        name = b["template blob uri"].rsplit("/", 1)[-1]
        try:
            with open(os.path.join(blobs, name), "rb") as f:
                decode(f.read())
        except FileNotFoundError:
            pass
    storage = get(config, "properties", "storageProfile") or get(config, "storageProfile")
    os_disk = storage["osDisk"]
    settings = {}
    for ext in config.get("resources") or []:
        settings = get(ext, "properties", "settings") or get(ext, "settings") or settings
    vault = settings.get("KeyVaultResourceId", "")
    j = json.dumps
    # A disk by id, or (the real managed shape) by name in the job's target resource group.
    def disk_id(d):
        if (d.get("managedDisk") or {}).get("id"):
            return d["managedDisk"]["id"]
        return "[resourceId(parameters('restoredDisksResourceGroup'), 'Microsoft.Compute/disks', '%s')]" % d["name"]
    values = {
        "description": j("%s VM, managed disks, %d data disks" % (os_disk["osType"], len(storage.get("dataDisks") or []))),
        "vm_name": j(config["name"]),
        "location": j(config["location"]),
        "vm_size": j((get(config, "properties", "hardwareProfile") or get(config, "hardwareProfile"))["vmSize"]),
        "secret_url": j(info.get("SecretUrl", "")),
        "vault_id": j(vault),
        "key_url": j(info.get("KeyUrl", settings.get("KeyEncryptionKeyURL", ""))),
        "kek_vault_id": j(settings.get("KekVaultResourceId", vault)),
        "volume_type": j(settings.get("VolumeType", "All")),
        "tags": j(config.get("tags") or {}),
        "os_type": j(os_disk["osType"]),
        "os_caching": j(os_disk.get("caching", "ReadWrite")),
        "os_disk_id": j(disk_id(os_disk)),
        "data_disks": ", ".join(
            DATA_DISK.substitute(lun=d["lun"], caching=j(d.get("caching", "None")), size=d.get("diskSizeGB") or 0, id=j(disk_id(d)))
            for d in storage.get("dataDisks") or []
        ),
    }
    folder = os.path.join(out, config["name"])
    os.makedirs(folder, exist_ok=True)
    # Parsed back and printed pretty, as restore-deploy does, so a template slip cannot ship.
    for name, template in (("azuredeploy.json", TEMPLATE), ("azuredeploy.parameters.json", PARAMETERS)):
        text = json.dumps(json.loads(template.substitute(values)), indent=2) + "\n"
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)
    # As restore-deploy: the steps before the deployment, when the BEK secret's URL is known.
    if info.get("SecretUrl"):
        text = PREPARE.substitute({k + "_ps": ps(json.loads(v)) for k, v in values.items()
                                   if k in ("vm_name", "secret_url", "key_url", "vault_id", "kek_vault_id", "os_disk_id")})
        with open(os.path.join(folder, "prepare.ps1"), "w") as f:
            f.write(text)


def main():
    jobs, blobs, out = sys.argv[1:4]
    for name in sorted(os.listdir(jobs)):
        if name.endswith(".json"):
            render(os.path.join(jobs, name), blobs, out)


if __name__ == "__main__":
    main()
